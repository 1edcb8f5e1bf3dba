"""The stage's HTTP server (scripts/localrt/apigateway.py: StageServer, stage_handler, read_body): bursts are
answered 2xx or 429 as API Gateway answers them, never reset; HTTP framing API Gateway refuses is a JSON 400."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scripts.localrt.apigateway import Request, Response, StageServer, TokenBucket, stage_handler


class ThrottledApi:
    """What the stage handler calls: API Gateway's stage throttle (burst 200) in front of a 20 ms integration."""

    def __init__(self) -> None:
        self.throttle = TokenBucket(rate=100.0, burst=200)
        self.lock = threading.Lock()
        self.bodies: list[bytes | None] = []

    def handle_bytes(self, request: Request, raw: bytes | None) -> Response:
        with self.lock:
            admitted = self.throttle.take()
            self.bodies.append(raw)
        if not admitted:
            return Response(429, {"Content-Type": "application/json"}, '{"message":"Too Many Requests"}')
        time.sleep(0.02)
        return Response(201, {"Content-Type": "application/json"}, "{}")


@pytest.fixture
def stage() -> Iterator[tuple[int, ThrottledApi]]:
    api = ThrottledApi()
    server = StageServer(("127.0.0.1", 0), stage_handler(api, "v1"))  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], api
    finally:
        server.shutdown()
        server.server_close()


def post(port: int) -> int | str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("POST", "/v1/items", body=b'{"name":"n"}', headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    except OSError as error:
        return type(error).__name__
    finally:
        connection.close()


def test_a_burst_of_300_concurrent_requests_is_answered_201_or_429_none_reset(stage: tuple[int, Any]) -> None:
    port, _ = stage
    barrier = threading.Barrier(300)

    def at_once(_: int) -> int | str:
        barrier.wait()
        return post(port)

    with ThreadPoolExecutor(max_workers=300) as pool:
        answers = list(pool.map(at_once, range(300)))
    assert {a for a in answers if a not in (201, 429)} == set()
    assert answers.count(201) >= 200  # the burst is absorbed


def raw_request(port: int, request: bytes) -> tuple[int, dict[str, Any]]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and answer.endswith(b"}"):
                break
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize("length", [b"abc", b"1e3", b"-1"])
def test_a_content_length_that_is_not_a_number_is_a_json_400(stage: tuple[int, Any], length: bytes) -> None:
    port, _ = stage
    status, body = raw_request(port, b"POST /v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}")
    assert status == 400
    assert "Content-Length must be a number of bytes" in body["message"]


def test_a_chunked_body_reaches_the_api(stage: tuple[int, ThrottledApi]) -> None:
    port, api = stage
    chunked = (
        b'POST /v1/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n'
    )
    status, _ = raw_request(port, chunked)
    assert status == 201
    assert api.bodies == [b'{"a":1}']


def test_http_servers_own_refusals_are_json(stage: tuple[int, Any]) -> None:
    port, _ = stage
    status, body = raw_request(port, b"GET /v1/" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, body) == (414, {"message": "URI Too Long"})
