"""The map of QPV perimeters (2015, 2024 and computed) over commune and département outlines."""
