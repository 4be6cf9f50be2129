"""Case conferences and partnership meetings."""
