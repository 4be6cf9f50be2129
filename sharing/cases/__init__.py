"""Casework: operations on cases, case pages, lists, search, shares, locks, emergency access,
erasure."""
