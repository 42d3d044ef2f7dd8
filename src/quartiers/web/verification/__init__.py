"""Address check: one point typed or clicked, and batch files processed in the background."""
