"""Actions of the contrats de ville and their funding lines (integer cents)."""
