"""How much of a sampled test runs: all of it with ``--exhaustive`` (CI always), a part
of it by default. Set once the options are read (``tests/conftest.py``), before any test
module is imported, so that a test's ``@settings`` may ask."""

from __future__ import annotations

#: Whether this run takes the full forms of sampled tests.
EXHAUSTIVE = False


def examples(full: int, sample: int) -> int:
    """The examples a property-based test generates: ``full`` in an exhaustive run,
    ``sample`` otherwise (the same properties, fewer cases tried)."""
    return full if EXHAUSTIVE else sample
