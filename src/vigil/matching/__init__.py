"""Matching: media found to be known items or other seizures' media, and the review of it."""
