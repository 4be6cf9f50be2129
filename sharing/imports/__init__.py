"""Bringing a partner system's records into the hub: cases from CSV."""
