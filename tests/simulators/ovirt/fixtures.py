"""pytest fixtures for this simulator (filled in by its author)."""
