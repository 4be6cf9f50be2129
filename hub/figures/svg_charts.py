"""pygal, with its import hook for map plugins taken out.

pygal adds a legacy ``sys.meta_path`` finder so that ``pygal.maps.*`` plugins can be
imported; the hub uses none, and on Python 3.11 that finder makes every later failed
import (an optional module a library tries) warn. Import pygal from here only."""

from __future__ import annotations

import sys

import pygal
from pygal.style import Style

sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

__all__ = ["Style", "pygal"]
