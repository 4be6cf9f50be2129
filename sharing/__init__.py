"""The partnership hub's core: models, sealed personal fields, access decisions and services.

Nothing in this package imports the web layer (``hub``). Services flush but never commit:
the caller (a web request or a command) commits once, so an act and its records are one
transaction.
"""
