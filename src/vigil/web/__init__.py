"""Vigil web layer."""
