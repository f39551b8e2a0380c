"""Vigil store layer."""
