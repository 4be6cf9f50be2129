"""What the benchmark scripts share: quantiles, verdicts, printing, the machine."""

from __future__ import annotations

import gc
import os
import platform
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th quantile (0..1) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def say(line: str = "") -> None:
    print(line, flush=True)


def load() -> str:
    """The load average: other work on the machine skews every figure."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}"


def settle() -> None:
    """Collect garbage, then freeze everything alive, so that the collections during a timed
    loop scan only that loop's own objects (the same for every contender)."""
    gc.collect()
    gc.freeze()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"
