"""Errors an operation raises on purpose; the dispatcher turns them into wire errors."""

from __future__ import annotations

from daemon.protocol import ErrorCode


class OperationError(Exception):
    code = ErrorCode.INTERNAL

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(OperationError):
    code = ErrorCode.NOT_FOUND


class Conflict(OperationError):
    """The request is valid but the current state forbids it (an illegal transition)."""

    code = ErrorCode.CONFLICT


class InvalidParams(OperationError):
    code = ErrorCode.INVALID_PARAMS


class Unavailable(OperationError):
    code = ErrorCode.UNAVAILABLE


class NeedsReauth(OperationError):
    """A service's sign-in is missing or no longer works; the message names the login."""

    code = ErrorCode.NEEDS_REAUTH

    def __init__(self, service: str, detail: str):
        super().__init__(f"{service}: {detail}; run `caseyos auth login {service}`")
        self.service = service


class NotSignedIn(OperationError):
    """Work that needs a sign-in, with none made: exit 4 like a lost one."""

    code = ErrorCode.NEEDS_REAUTH
