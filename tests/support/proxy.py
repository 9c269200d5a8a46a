"""A loopback TCP proxy that cuts connections after a number of bytes from the server."""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttingProxy:
    """Relays 127.0.0.1:port → upstream; once `budget` server bytes went through, cuts everything.

    `per_connection=True` gives every new connection its own budget (a flaky link that drops
    now and then); otherwise the budget is shared and, once spent, new connections are cut
    at once (a link that stays down) until `heal()`. `stall=True` holds the data instead of
    cutting (a hung server) until `heal()`; `bye=True` sends an untagged BYE before cutting.
    """

    def __init__(
        self,
        upstream_port: int,
        budget: int,
        *,
        per_connection: bool = False,
        stall: bool = False,
        bye: bool = False,
    ) -> None:
        self.upstream_port = upstream_port
        self.budget = budget
        self.per_connection = per_connection
        self.stall = stall
        self.bye = bye
        self.cuts = 0
        self.connections = 0
        self._left = budget
        self._healed = False
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def heal(self) -> None:
        """Stop cutting: relay everything from now on."""
        with self._lock:
            self._healed = True

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()

    def __enter__(self) -> CuttingProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            left = [self.budget if self.per_connection else -1]
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, left), daemon=True).start()

    def _spend(self, n: int, left: list[int]) -> int:
        """How many of `n` bytes may pass now (0 means: cut)."""
        with self._lock:
            if self._healed:
                return n
            if self.per_connection:
                allowed = min(n, left[0])
                left[0] -= allowed
            else:
                allowed = min(n, self._left)
                self._left -= allowed
            return allowed

    def _wait_for_heal(self) -> bool:
        """Hold the data (a hung server) until healed (True) or closed (False)."""
        while not self._closed.wait(0.02):
            with self._lock:
                if self._healed:
                    return True
        return False

    def _pipe(self, src: socket.socket, dst: socket.socket, left: list[int] | None) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if left is not None:
                    allowed = self._spend(len(data), left)
                    if allowed < len(data):
                        if allowed:
                            dst.sendall(data[:allowed])
                        self.cuts += 1
                        if self.bye:
                            dst.sendall(b"\r\n* BYE Server shutting down.\r\n")
                        if self.stall and self._wait_for_heal():
                            dst.sendall(data[allowed:])
                            continue
                        break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
