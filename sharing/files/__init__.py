"""Files attached to cases: where their sealed bytes are kept, and what is accepted."""
