"""Who may do what to which case: decide (pure), facts from the database, scope
(one rule set for a check of one case and for SQL), and reveal (the only way to plaintext)."""
