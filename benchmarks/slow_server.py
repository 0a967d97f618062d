"""An HTTPS server on 127.0.0.1 that answers every GET after a delay, in its own process.

    python benchmarks/slow_server.py DELAY_S CA_FILE   -> prints the port, serves until killed

It runs apart from the probes so that, like a real remote server, it does not share their GIL.
"""

from __future__ import annotations

import http.server
import ssl
import sys
import time
from typing import Any

import trustme


def main() -> None:
    delay, ca_file = float(sys.argv[1]), sys.argv[2]
    ca = trustme.CA()
    ca.cert_pem.write_to_path(ca_file)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(ctx)

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            time.sleep(delay)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    class TLSServer(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 64

        def get_request(self) -> Any:  # the handshake happens in the connection's thread
            sock, addr = super().get_request()
            return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    httpd = TLSServer(("127.0.0.1", 0), Slow)
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
