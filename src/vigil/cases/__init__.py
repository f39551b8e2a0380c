"""Victim identification: cases, series, victims, offenders, locations, missing-child
reports, the identification workflow, alerts, suggestions and statistics.

Every read and write takes a ``Viewer`` and asks ``vigil.sharing.policy`` what it may see;
every change is a dated history entry (``history``) and an audit event.
"""
