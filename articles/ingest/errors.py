"""The one shape of refused input: a reason, and the line it stands on when there is one."""


class InputError(ValueError):
    def __init__(self, reason, line=None):
        super().__init__(reason)
        self.reason = reason
        self.line = line

    def __str__(self):
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class ImportFailure(InputError):
    """A file refused for a reason the importer found (not the parser)."""
