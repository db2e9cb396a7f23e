"""The local servers' sockets: one way to take a port on 127.0.0.1 (replay, browse)."""

from __future__ import annotations

import socket


def bind_local(port: int) -> socket.socket:
    """A TCP socket bound to 127.0.0.1:port, as a server binds it (SO_REUSEADDR: a port left
    in TIME_WAIT by the previous run is free). The OSError of a busy port is the caller's to
    word; the socket is closed when binding fails."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock
