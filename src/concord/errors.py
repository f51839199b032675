"""Concord's one error family.

Every error a user can see is a :class:`ConcordError`. Each domain has its own
subclass, which carries the HTTP status and the CLI exit code that entry points use;
nothing else in the code decides exit codes.

::

    ConcordError                      exit 1   HTTP 500
    ├── InputError                    exit 65  HTTP 422   a command-line option or file is not valid
    ├── ConfigurationError            exit 78  HTTP 500   bad CONCORD_* setting
    │   └── WorkspaceInUseError       exit 73  HTTP 409   folder holds data a command must not touch
    ├── StorageError                  exit 74  HTTP 503   database unreachable or corrupt
    ├── AuthenticationError           exit 77  HTTP 401   a request's signature or session refused
    ├── StatementError                exit 65  HTTP 422   statement rejected before append
    │   ├── MalformedStatement                            not JSON, wrong schema, too large
    │   │   └── SubmissionTooLarge             HTTP 413   a request body over the server's limit
    │   ├── SignatureError                                bad, missing or unknown signature
    │   ├── AuthorizationError        exit 77  HTTP 403   signer lacks the role
    │   └── ConflictError             exit 65  HTTP 409   id reused by a different statement
    ├── VerificationError             exit 2   HTTP 409   the log or a proof does not verify
    │   └── AnalyticStoreAltered                          evidence.duckdb differs from its seal
    ├── NotFoundError                 exit 66  HTTP 404   no such entry, principal, treaty, …
    ├── RateLimited                   exit 75  HTTP 429   too many requests from one address
    ├── RequestTimeout                exit 75  HTTP 408   a request body stalled
    ├── RemoteError                   exit 69  HTTP 502   the office's server cannot be reached
    │   └── RefusedByServer           exit 65             it answered with a problem document
    ├── TreatyError                   exit 65  HTTP 422   treaty file invalid
    ├── EvidenceError                 exit 65  HTTP 422   evidence table rejected
    ├── ClaimError                    exit 65  HTTP 422   claim filing rejected
    ├── DisputeError                  exit 65  HTTP 422   case or procedural step rejected
    └── ComplianceError               exit 70  HTTP 500   evaluation could not run
"""

from __future__ import annotations


class ConcordError(Exception):
    """Base of every error a Concord user can see."""

    exit_code: int = 1
    http_status: int = 500

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[str] = list(details or [])

    def diagnostics(self) -> str:
        """The message and every detail line, as shown to a user."""
        lines = [self.message]
        lines.extend(f"  - {d}" for d in self.details)
        return "\n".join(lines)


class InputError(ConcordError):
    """A value given on the command line (an option, an argument) is not valid."""

    exit_code = 65
    http_status = 422


class ConfigurationError(ConcordError):
    exit_code = 78
    http_status = 500


class WorkspaceInUseError(ConfigurationError):
    """A command was pointed at a folder that holds someone's data; nothing was changed."""

    exit_code = 73
    http_status = 409


class StorageError(ConcordError):
    exit_code = 74
    http_status = 503


class AuthenticationError(ConcordError):
    """A request to the server is not authenticated: its signature, key, time, nonce
    or session is not accepted (the message says which)."""

    exit_code = 77
    http_status = 401


class StatementError(ConcordError):
    exit_code = 65
    http_status = 422


class MalformedStatement(StatementError):
    pass


class SubmissionTooLarge(MalformedStatement):
    """A submission sent to the server is larger than it takes; nothing was read into the log."""

    http_status = 413


class SignatureError(StatementError):
    pass


class AuthorizationError(StatementError):
    exit_code = 77
    http_status = 403


class ConflictError(StatementError):
    http_status = 409


class VerificationError(ConcordError):
    exit_code = 2
    http_status = 409


class AnalyticStoreAltered(VerificationError):
    """The analytic store's content or seal is not what the office built from the log."""


class NotFoundError(ConcordError):
    exit_code = 66
    http_status = 404


class RateLimited(ConcordError):
    """A client sent more requests than the server's per-address rate allows."""

    exit_code = 75
    http_status = 429

    def __init__(self, message: str, *, retry_after: int, details: list[str] | None = None):
        super().__init__(message, details=details)
        self.retry_after = retry_after


class RequestTimeout(ConcordError):
    """A client stopped sending its request body for longer than the server waits."""

    exit_code = 75
    http_status = 408


class RemoteError(ConcordError):
    """The office's server (``--server URL``) cannot be reached, or answered wrongly."""

    exit_code = 69
    http_status = 502


class RefusedByServer(RemoteError):
    """The server refused a request; the message is its problem document's detail."""

    exit_code = 65

    def __init__(self, message: str, *, status: int, details: list[str] | None = None):
        super().__init__(message, details=details)
        self.status = status


class TreatyError(ConcordError):
    exit_code = 65
    http_status = 422


class EvidenceError(ConcordError):
    exit_code = 65
    http_status = 422


class ClaimError(ConcordError):
    exit_code = 65
    http_status = 422


class DisputeError(ConcordError):
    exit_code = 65
    http_status = 422


class ComplianceError(ConcordError):
    exit_code = 70
    http_status = 500
