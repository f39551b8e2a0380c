"""Vigil demo layer."""
