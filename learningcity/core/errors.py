"""Domain errors: a translatable message and a stable code, turned into form errors or 4xx JSON."""


class DomainError(Exception):
    """A rule of the city was not met; the message is for the person who tried."""

    code = "invalid"
    status = 400

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409
