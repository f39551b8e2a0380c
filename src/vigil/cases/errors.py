"""What identification refuses, each with a one-line message naming the field and value."""

from __future__ import annotations


class IdentificationError(ValueError):
    """Bad input to an identification record: the message names the field, the value and
    what is allowed."""


class WorkflowError(IdentificationError):
    """A change the workflow does not allow (e.g. rescued back to unidentified): the message
    gives the reason and the changes that are allowed."""
