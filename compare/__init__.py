"""compare (under construction)."""
