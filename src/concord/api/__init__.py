"""The HTTP API: a thin entry point over the domain services."""

from concord.api.app import create_app

__all__ = ["create_app"]
