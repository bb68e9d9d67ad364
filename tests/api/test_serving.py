"""app.serving: every accepted connection has Nagle's algorithm off, whatever the listening
socket's `proto` (uvicorn binds it with proto 0 when it runs several workers, and asyncio then
leaves Nagle on: ~40 ms on every request of an idle keep-alive connection)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from uvicorn.server import ServerState

from app.serving import HTTP, H11Protocol


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default=None):
        return {"socket": self.sock, "peername": ("127.0.0.1", 1), "sockname": ("127.0.0.1", 2)}.get(
            name, default
        )

    def is_closing(self) -> bool:
        return False


def test_an_accepted_connection_gets_tcp_nodelay():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn binds it
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.proto == 0 and not accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        config = uvicorn.Config("app.main:app", http=HTTP)
        config.load()
        assert config.http_protocol_class is H11Protocol
        loop = asyncio.new_event_loop()  # the protocol takes the loop it runs on
        try:
            protocol = H11Protocol(config, ServerState(), app_state={}, _loop=loop)
            protocol.connection_made(_Transport(accepted))
        finally:
            loop.close()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        for sock in (client, accepted, listener):
            sock.close()
