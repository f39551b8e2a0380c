"""Vigil ingest layer."""
