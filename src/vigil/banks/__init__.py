"""Banks: lists of known hashes, their exchange formats, and matching seizures against them."""
