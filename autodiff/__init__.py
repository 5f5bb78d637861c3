"""autodiff (under construction)."""
