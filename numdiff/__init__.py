"""numdiff (under construction)."""
