"""symdiff (under construction)."""
