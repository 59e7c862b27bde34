"""A small TCP proxy that breaks connections in the middle of a transfer (for the connection-cut tests).

Every connection is forwarded to the real server; once a connection has carried more than `cut_after`
bytes from the server to the client, the proxy closes both sides — like a network failure mid-transfer.
`max_cuts` limits how many connections are cut (then it forwards normally: the source "comes back").
"""

from __future__ import annotations

import socket
import threading


class CuttingProxy:
    def __init__(self, target_port: int, cut_after: int | None, max_cuts: int | None = None):
        self.target_port, self.cut_after, self.max_cuts = target_port, cut_after, max_cuts
        self.cuts = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(32)
        self.port = self._sock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self.connections += 1
                cut = self.cut_after is not None and (self.max_cuts is None or self.cuts < self.max_cuts)
                if cut:
                    self.cuts += 1
            budget = [self.cut_after if cut else None]
            threading.Thread(target=self._pipe, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, budget), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket, budget: list | None) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if budget is not None and budget[0] is not None:
                    if len(data) > budget[0]:
                        dst.sendall(data[: budget[0]])
                        break
                    budget[0] -= len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self._closed = True
        self._sock.close()

    def __enter__(self) -> "CuttingProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
