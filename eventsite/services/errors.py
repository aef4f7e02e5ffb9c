"""Errors the services raise for views, commands and the API to present."""


class ValidationError(Exception):
    """Input that cannot be saved: a message for each field at fault."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
