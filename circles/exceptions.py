"""Errors raised by services and shown to the person as a calm, specific message."""


class ServiceError(Exception):
    """A business rule refused the request; ``str(error)`` is safe to show to the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The form field the message belongs to, if any.
        self.field = field
