"""Local ports the runtime listens on (moto, the API stage, workers' invocation ports)."""

from __future__ import annotations

import collections
import os
import random
import socket
import threading
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
IANA_EPHEMERAL_LOW = 49152  # where the kernel's own range starts elsewhere (macOS, BSD)
LOWEST = 20000  # above the well-known and most registered service ports


class PortInUse(RuntimeError):
    """A port the runtime was asked to listen on is taken."""


def _probe() -> socket.socket:
    """A socket that binds as the runtime's servers do (SO_REUSEADDR, like http.server's): connections of a
    server stopped a moment ago, in TIME_WAIT for ~60 s, do not count as the port being in use; a listener does."""
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return probe


def ensure_free(port: int, what: str) -> None:
    with _probe() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise in_use(port, what) from error


def in_use(port: int, what: str) -> PortInUse:
    """The refusal of a port that is taken, naming what holds it when Linux tells."""
    held = holder(port)
    return PortInUse(f"port {port} ({what}) is in use{f' by {held}' if held else ''}: stop it or choose another port")


PROC = Path("/proc")


def holder(port: int) -> str | None:
    """The process listening on a TCP port, as `pid 1234 (python3)`, when Linux's /proc tells (None elsewhere,
    or for another user's process)."""
    inodes = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            rows = (PROC / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for fd in PROC.glob("[0-9]*/fd/*") if inodes else ():
        try:
            if os.readlink(fd) in inodes:
                pid = fd.parent.parent.name
                return f"pid {pid} ({(PROC / pid / 'comm').read_text().strip()})"
        except OSError:
            continue
    return None


def ephemeral_low() -> int:
    """The lowest port the kernel hands out on its own (to a socket bound to port 0, or an outgoing connection)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return IANA_EPHEMERAL_LOW


# Ports this process handed out, newest last: a port is handed out before what listens on it binds (a worker
# process starting, the WebSocket API after the deploy), and more are picked meanwhile, each probe finding the first
# still free: make bench's live-updates run failed once with "Address already in use". Never twice in one process,
# among the last ISSUED_KEPT.
ISSUED_KEPT = 1000
_issued: collections.deque[int] = collections.deque(maxlen=ISSUED_KEPT)
_issuing = threading.Lock()


def free_port(rng: random.Random | None = None) -> int:
    """A free port below the kernel's ephemeral range, not handed out by this process before. A port the kernel
    chose (bind to port 0) could be handed to another process's listener or outgoing connection between this
    choice and the bind of the worker that listens on it; measured: with ministack running beside the runtime, a
    worker's invocation port was taken ("Address already in use") in 1 of 2 e2e runs. Below the range only a
    process that names the port can take it."""
    with _issuing:
        port = _unissued_free_port(rng)
        _issued.append(port)
        return port


def _unissued_free_port(rng: random.Random | None) -> int:
    pick = rng or random.SystemRandom()
    high = ephemeral_low()
    if high - LOWEST < 1000:  # an unusual range: fall back to the kernel's choice
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])
    for _ in range(100):
        port = pick.randrange(LOWEST, high)
        if port in _issued:
            continue
        with _probe() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise PortInUse(f"no free port between {LOWEST} and {high} after 100 tries")
