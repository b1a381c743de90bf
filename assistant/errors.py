"""Errors a user can fix: printed as one clear Chinese line by the CLI, never a traceback."""


class UserError(Exception):
    pass
