"""The ceiling: a trivial Flask endpoint that opens SQLite and runs SELECT 1, served alike."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing

from flask import Flask

app = Flask(__name__)


@app.get("/")
def select_one() -> dict[str, int]:
    """One connection, one query, a tiny JSON answer."""
    with closing(sqlite3.connect(os.environ["DATABASE_PATH"])) as conn:
        return {"ok": conn.execute("SELECT 1").fetchone()[0]}
