"""The network of agencies: agencies, users, passwords, API tokens and login throttling.

Domain functions take a session and plain values; the CLI and the web call the same ones.
"""
