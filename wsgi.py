"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from service import create_app

app = create_app()
# The price data and the loaded modules live as long as the process: moved out of the
# collector's reach, a full collection no longer walks them and pauses every thread for ~20 ms.
gc.freeze()
