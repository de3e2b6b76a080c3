"""Panels: pure functions from data to Dash components or figures (no I/O)."""
