"""Cross-origin reading of what is public anyway (the API, feeds, oEmbed)."""

from flask import Response, request


def allow_any_origin(response: Response) -> Response:
    """Let any site's scripts read this answer: `Access-Control-Allow-Origin: *` on reads
    only. Nothing in these answers is personal, and with `*` browsers send no cookies."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
