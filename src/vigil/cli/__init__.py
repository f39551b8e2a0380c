"""Vigil cli layer."""
