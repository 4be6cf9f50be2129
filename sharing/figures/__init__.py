"""Figures for publication: counts with small numbers withheld (``suppression``)."""
