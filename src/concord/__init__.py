"""Concord: a tamper-evident record and compliance engine for treaty monitoring."""

__version__ = "0.1.0"
