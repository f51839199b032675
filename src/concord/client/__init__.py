"""Clients of the office's HTTP API, for a party's or an auditor's own machine.

:class:`~concord.client.office.OfficeClient` submits statements and reads the log;
:func:`~concord.client.mirror.follow` keeps a verified mirror of the log's tiles.
"""

from concord.client.mirror import FollowReport, follow
from concord.client.office import OfficeClient

__all__ = ["FollowReport", "OfficeClient", "follow"]
