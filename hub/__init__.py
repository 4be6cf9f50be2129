"""The partnership hub's web application: pages, sign-in and command line.

The web layer asks ``sharing`` (the core) and shows what it answers; it never reads
sealed columns or makes access decisions of its own.
"""
