"""Is the chat's port free? Asked before the model loads, so a busy port costs one line, not a
half-minute start-up followed by a traceback that names gradio's own setting."""

from __future__ import annotations

import errno
import socket


def port_problem(address: str, port: int) -> str | None:
    """None when `port` can be listened on at `address`; else one line saying what to do."""
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot listen on {address}:{port} ({exc.strerror}); choose another address with --host or LDN_HOST"
    family, _, _, _, sockaddr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server will: a port left in TIME_WAIT by a previous run is free to reuse.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is in use on {address}; choose another with --port (or LDN_PORT)"
            if exc.errno == errno.EACCES:
                return f"no permission to listen on port {port}; choose one above 1023 with --port (or LDN_PORT)"
            return f"cannot listen on {address}:{port} ({exc.strerror}); choose another port with --port (or LDN_PORT)"
    return None
