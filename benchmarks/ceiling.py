"""The ceiling: a WSGI app that answers with fixed bytes and headers, and nothing else.

Served by gunicorn with the same settings as eventsite, it is the fastest any page could be.
"""

import json
import os

with open(os.environ["CEILING_BODY"], "rb") as handle:
    BODY = handle.read()
STATUS = os.environ.get("CEILING_STATUS", "200 OK")
HEADERS = [tuple(pair) for pair in json.loads(os.environ.get("CEILING_HEADERS", "[]"))]


def app(environ, start_response):
    start_response(STATUS, HEADERS + [("Content-Length", str(len(BODY)))])
    return [BODY]
