"""uvicorn's HTTP/1.1 protocol (h11) with Nagle's algorithm off on every connection.

asyncio turns Nagle off only on a socket whose `proto` reads IPPROTO_TCP. With `--workers N`,
uvicorn binds the listening socket itself with proto 0, so the connections its workers accept
keep Nagle on: a response written as headers, then body, waits for the client's delayed ACK —
about 40 ms on every request of an idle keep-alive connection (nginx's upstream connections,
a notebook's client). Serve with `--http app.serving:H11Protocol` (`chainrule serve` does).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol as _H11Protocol


class H11Protocol(_H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


HTTP = "app.serving:H11Protocol"  # uvicorn's `http` option
