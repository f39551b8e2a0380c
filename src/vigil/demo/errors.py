"""The error the demo builder raises when it cannot or must not build."""


class DemoBuildError(ValueError):
    """The demo seizure cannot be built: the message says why and what to do."""
