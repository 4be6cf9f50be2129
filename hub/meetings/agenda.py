"""A partnership meeting's sitting's agenda."""
