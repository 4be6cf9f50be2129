"""The verifiable audit log (issue 5): so far, its Merkle tree."""
