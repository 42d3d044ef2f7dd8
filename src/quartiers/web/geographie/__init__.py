"""Géographie prioritaire: run the delimitation engine from the browser, explain, compare."""
