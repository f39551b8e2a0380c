"""Safe reading of seized media: type sniffing, decoding and metadata."""
