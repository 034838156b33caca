"""The one error type every command raises for a user-facing failure."""


class CommandError(Exception):
    """Printed as one line, exit code 2, no traceback."""
