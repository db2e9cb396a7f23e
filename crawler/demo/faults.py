"""The snapshot's misbehaviour on request: faults by path, overrides of an answer, counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

FOREVER = -1



@dataclass
class Fault:
    """Misbehaviour of one path. Counts are how many requests misbehave; FOREVER (-1) means all.

    Status faults (fail_503, rate_limit, error_500) are answered by DemoSite.handle; network
    faults (delay, reset, truncate) need the server and are taken with DemoSite.network_fault.
    """

    fail_503: int = 0
    rate_limit: int = 0  # 429 with Retry-After: 1
    error_500: bool = False  # permanent
    delay: float = 0.0  # seconds before answering
    delay_times: int = FOREVER
    reset: int = 0  # close the connection without a response
    truncate: int = 0  # Content-Length larger than the bytes sent, then close


@dataclass
class NetworkFault:
    """What the server must do to one request beyond sending the response."""

    delay: float = 0.0
    reset: bool = False
    truncate: bool = False


def take(count: int) -> tuple[bool, int]:
    if count == FOREVER:
        return True, count
    if count > 0:
        return True, count - 1
    return False, 0


# An override's body: fixed bytes, or a function of (request path, body the site rendered).
OverrideBody = bytes | str | Callable[[str, bytes], bytes]


@dataclass
class Override:
    """What to answer instead of (or on top of) the rendered page: bad input for tests.

    status None keeps the site's status; headers are merged over the site's (a value of None
    drops that header); body replaces the rendered body, or transforms it when callable.
    """

    status: int | None = None
    headers: dict[str, str | None] = field(default_factory=dict)
    body: OverrideBody | None = None


@dataclass
class Counters:
    requests: Counter = field(default_factory=Counter)  # by kind
    paths: Counter = field(default_factory=Counter)  # by path (query dropped)
    statuses: Counter = field(default_factory=Counter)
    bytes_sent: int = 0
    log: list = field(default_factory=list)  # (time.monotonic(), path, status) per request
