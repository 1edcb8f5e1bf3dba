"""Local ports the runtime listens on (moto, the API stage, workers' invocation ports)."""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
IANA_EPHEMERAL_LOW = 49152  # where the kernel's own range starts elsewhere (macOS, BSD)
LOWEST = 20000  # above the well-known and most registered service ports


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


def ephemeral_low() -> int:
    """The lowest port the kernel hands out on its own (to a socket bound to port 0, or an outgoing connection)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return IANA_EPHEMERAL_LOW


def free_port(rng: random.Random | None = None) -> int:
    """A free port below the kernel's ephemeral range. A port the kernel chose (bind to port 0) could be handed
    to another process's listener or outgoing connection between this choice and the bind of the worker that
    listens on it; measured: with ministack running beside the runtime, a worker's invocation port was taken
    ("Address already in use") in 1 of 2 e2e runs. Below the range only a process that names the port can take it."""
    pick = rng or random.SystemRandom()
    high = ephemeral_low()
    if high - LOWEST < 1000:  # an unusual range: fall back to the kernel's choice
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])
    for _ in range(100):
        port = pick.randrange(LOWEST, high)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise PortInUse(f"no free port between {LOWEST} and {high} after 100 tries")
