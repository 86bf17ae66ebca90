"""Helpers the lesson notebooks import: tables and plots, so the notebooks stay about the idea."""
