"""Keys and providers, sealing values, blind indexes, rotation."""
