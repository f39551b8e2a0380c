"""Vigil: victim-identification and intelligence-sharing database."""

__version__ = "0.1.0"
