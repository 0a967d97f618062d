"""An HTTP(S) server on 127.0.0.1 for a test, that leaves nothing running behind it.

A plain ``ThreadingHTTPServer`` answers each request in a daemon thread that outlives
``shutdown()``. A handler told to be slow then finishes seconds after its test, in the middle
of another test of the same worker, and prints its ``BrokenPipe``/``SSLEOFError`` traceback
into whatever stderr that test is reading (CI once failed that way: a probe test's hanging
server wrote into ``cli()``'s captured stderr, and the next test found "Traceback" in it).

Here closing the server wakes every slow handler (they wait on ``stopping``, not in
``time.sleep``), joins its threads, and a handler's error is kept in ``errors`` instead of
being printed: the client hanging up at its deadline is what the slow tests are about.
"""

from __future__ import annotations

import http.server
import ssl
import threading
from types import TracebackType
from typing import Any


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handlers (ThreadingMixIn.block_on_close)

    def __init__(
        self, handler: type[http.server.BaseHTTPRequestHandler], ctx: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        if ctx is not None:
            self.socket = ctx.wrap_socket(self.socket, server_side=True)
        self.stopping = threading.Event()
        self.errors: list[str] = []
        self.port: int = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, name="loopback", daemon=True)
        self._thread.start()

    def wait(self, seconds: float) -> None:
        """A handler's delay that ends early when the server closes."""
        self.stopping.wait(seconds)

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        self.errors.append(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
