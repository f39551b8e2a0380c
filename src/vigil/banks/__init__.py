"""Banks: lists of known hashes, their exchange formats, import and export."""
