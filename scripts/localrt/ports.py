"""Local ports the runtime listens on (moto, the API stage, workers' invocation ports)."""

from __future__ import annotations

import socket


class PortInUse(RuntimeError):
    """A port the runtime was asked to listen on is taken."""


def ensure_free(port: int, what: str) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise PortInUse(
                f"port {port} ({what}) is in use: stop what listens there or choose another port"
            ) from error


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
