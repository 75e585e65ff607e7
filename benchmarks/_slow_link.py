"""A TCP relay that behaves like a network link: one-way latency and a shared bandwidth.

On one machine the local Hub endpoint answers in microseconds at memory speed, which hides
what matters on a real link: each request costs a round trip, each byte costs bandwidth.
``bench_hub_report.py`` puts this relay between the clients and the server. Every chunk is
delivered ``latency`` seconds after it arrived (both ways), and the server-to-client direction
shares one ``rate`` (bytes per second) across all connections, as a home or office link does.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time


class SlowLink:
    """Relay ``127.0.0.1:<port>`` to ``upstream_port`` with latency and bandwidth.

    Args:
        upstream_port: The server's port on 127.0.0.1.
        latency_s: One-way delay per chunk, in seconds.
        rate_bytes_s: Bandwidth shared by all server-to-client traffic, in bytes per second.
    """

    def __init__(self, upstream_port: int, *, latency_s: float, rate_bytes_s: float) -> None:
        self.upstream_port, self.latency_s, self.rate = upstream_port, latency_s, rate_bytes_s
        self._link_free_at = 0.0  # when the shared downstream link finishes its last chunk
        self._loop = asyncio.new_event_loop()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, sock=self._listener)
        )
        self._loop.run_forever()
        server.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(
            self._pipe(client_r, server_w, shared=False),
            self._pipe(server_r, client_w, shared=True),
            return_exceptions=True,
        )

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, shared: bool
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await queue.get()
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if not chunk:
                    sink.close()
                    return
                sink.write(chunk)
                await sink.drain()

        writer = asyncio.ensure_future(deliver())
        try:
            while chunk := await source.read(65536):
                due = time.monotonic() + self.latency_s
                if shared:  # the chunk leaves when the link is free, at the link's rate
                    start = max(time.monotonic(), self._link_free_at)
                    self._link_free_at = start + len(chunk) / self.rate
                    due = self._link_free_at + self.latency_s
                await queue.put((due, chunk))
        finally:
            await queue.put((time.monotonic() + self.latency_s, b""))
            await writer

    def close(self) -> None:
        """Stop relaying."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
