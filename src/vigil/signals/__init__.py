"""Signal types: the hashes Vigil computes and compares (one module per type)."""
