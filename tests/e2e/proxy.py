"""A loopback TCP proxy that can swallow a response, as a flaky mobile network does."""

from __future__ import annotations

import socket
import threading
from typing import Iterator
from contextlib import contextmanager


class DroppingProxy:
    """Forwards connections to ``target``; while ``drop_responses`` is set, the server's
    answer is read in full (so the server has finished and committed) and then thrown away,
    and the client's connection is closed without a byte of it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.drop_responses = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dropped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
            drop = self.drop_responses
            pump = threading.Thread(target=self._pump, args=(client, upstream), daemon=True)
            pump.start()
            response = bytearray()
            while chunk := upstream.recv(65536):
                response.extend(chunk)
                if not drop:
                    client.sendall(chunk)
            if drop:
                self.dropped += 1
                client.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.listener.close()


@contextmanager
def dropping_proxy(target_port: int) -> Iterator[DroppingProxy]:
    proxy = DroppingProxy(target_port)
    proxy._thread.start()
    try:
        yield proxy
    finally:
        proxy.close()
