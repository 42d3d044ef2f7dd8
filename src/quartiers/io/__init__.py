"""Readers of the published formats and atomic writers."""
