"""The WSGI entry point for production servers: ``gunicorn server.wsgi:app``.

After the app is built, everything allocated so far (the app, its metadata, compiled
schemas) is moved out of the garbage collector's reach with ``gc.freeze()``. A push batch
allocates many short-lived objects; without this, each collection would rescan the whole
long-lived heap, which costs a push about a fifth of its time.

Before that, the worker checks which demo accounts still take the demo password
(``server.demo.exposure``), so that Argon2 work is done before its first request, not in it.
"""

import gc

from server import create_app
from server.demo.exposure import check_demo_passwords

app = create_app()
check_demo_passwords(app)
gc.freeze()
