"""A loopback TCP proxy that fails chosen requests the way a flaky mobile network does.

Each connection carries one request (clients here send ``Connection: close``). A rule
matches the request line; ``refuse`` closes the connection before the server sees
anything, ``drop_response`` lets the server finish (and commit) and then throws its answer
away. ``offline`` refuses everything. ``heads`` keeps every request's head and the head of
the answer it got (its first bytes), so a test can read what crossed the wire.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass


@dataclass
class Rule:
    matches: Callable[[str], bool]
    how: str
    times: int


class FlakyProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.offline = False
        self.rules: list[Rule] = []
        self.failed: list[tuple[str, str]] = []
        self.heads: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, matches: Callable[[str], bool], how: str, times: int = 1) -> None:
        with self.lock:
            self.rules.append(Rule(matches, how, times))

    def _decide(self, request_line: str) -> str:
        with self.lock:
            if self.offline:
                return "refuse"
            for rule in self.rules:
                if rule.times and rule.matches(request_line):
                    rule.times -= 1
                    self.failed.append((request_line, rule.how))
                    return rule.how
        return "pass"

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        """Relay one phone connection. The phone may hang up before the answer has gone through (it
        gave up waiting, or the app is closing): that ends the relay quietly, as it ends ``_pump``."""
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            how = self._decide(head.split(b"\r\n", 1)[0].decode("latin-1"))
            if how == "refuse":
                return
            with socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
                upstream.sendall(head)
                threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
                answer = b""
                with suppress(OSError):
                    while chunk := upstream.recv(65536):
                        if not answer:
                            answer = chunk
                            with self.lock:
                                self.heads.append((head_of(head), head_of(answer)))
                        if how == "pass":
                            client.sendall(chunk)
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


def head_of(message: bytes) -> str:
    return message.split(b"\r\n\r\n", 1)[0].decode("latin-1")


@contextmanager
def flaky_proxy(target_port: int) -> Iterator[FlakyProxy]:
    proxy = FlakyProxy(target_port)
    proxy._thread.start()
    try:
        yield proxy
    finally:
        proxy.close()
