"""Import and export of contracts, actions and credits (CSV, XLSX), demo dataset loader."""
