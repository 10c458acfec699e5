"""A flask-smorest Blueprint whose query arguments obey their schema's `unknown = RAISE`."""

from __future__ import annotations

import flask_smorest
from webargs.flaskparser import FlaskParser


class StrictParser(FlaskParser):
    """webargs excludes unknown query arguments by default; our schemas refuse them instead."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None}


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """The Blueprint every resource uses."""

    ARGUMENTS_PARSER = StrictParser()
