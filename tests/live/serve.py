"""Serve the app on 127.0.0.1:PORT in this process (threading mode), for restart tests.

Settings come from the environment (CIRCLES_*), like a real deployment.
"""

from __future__ import annotations

import sys

from werkzeug.serving import make_server

from circles import create_app

if __name__ == "__main__":
    port = int(sys.argv[1])
    server = make_server("127.0.0.1", port, create_app(), threaded=True)
    print(f"serving on {port}", flush=True)
    server.serve_forever()
