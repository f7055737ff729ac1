"""The WSGI entry point for production servers: ``gunicorn -k gevent -w 1 circles.wsgi:app``.

Each process serves HTTP and the live sockets; several processes share state through the
database and broadcasts through Redis (``CIRCLES_REDIS_URL``). See docs/operations.md.
"""

from circles import create_app
from circles.serving import tune_garbage_collector

app = create_app()
tune_garbage_collector()
