"""Bodies of the public doors, read defensively: bounded whatever the headers, strict UTF-8, shallow JSON.

Pure functions over a werkzeug request (no ORM), used by the controllers before anything reaches the models.
"""

import json

JSON_MAX_DEPTH = 20


class BodyError(ValueError):
    """The body is refused; ``status`` is the HTTP status to answer, ``reason`` a code for the message."""

    def __init__(self, reason, status=400):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def read_body(httprequest, limit):
    """At most ``limit`` + 1 bytes of the body, whether it announces a ``Content-Length`` or comes chunked.

    :raise BodyError: ``too_long`` (413) when the body is longer than ``limit``
    """
    if (httprequest.content_length or 0) > limit:
        raise BodyError("too_long", 413)
    # Odoo's request exposes get_data() (reads the whole body) but not the stream: the werkzeug request it wraps
    # does (a chunked body comes de-chunked by the server, a body with Content-Length is cut to it).
    stream = getattr(httprequest, "_HTTPRequest__wrapped", httprequest).stream
    chunks, remaining = [], limit + 1
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    if remaining <= 0:
        raise BodyError("too_long", 413)
    return b"".join(chunks)


def json_too_deep(text, max_depth=JSON_MAX_DEPTH):
    """True when arrays/objects nest deeper than ``max_depth`` (checked before the recursive parser runs)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_json_object(body, max_depth=JSON_MAX_DEPTH):
    """The JSON object of a body: strict UTF-8, bounded depth, an object at the top.

    :raise BodyError: ``encoding``, ``too_deep``, ``json`` or ``not_object`` (400)
    """
    try:
        text = body.decode("utf-8") if body else "{}"
    except UnicodeDecodeError as error:
        raise BodyError("encoding") from error
    if json_too_deep(text, max_depth):
        raise BodyError("too_deep")
    try:
        payload = json.loads(text or "{}")
    except (ValueError, RecursionError) as error:
        raise BodyError("json") from error
    if not isinstance(payload, dict):
        raise BodyError("not_object")
    return payload


def is_scalar_text(value, numbers=False):
    """A JSON value a text field accepts: a string (valid Unicode) or null; with ``numbers``, also an integer
    (a request number, an INN sent as a number)."""
    if value is None or (numbers and isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**20):
        return True
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates ("\ud800") are not text
        return False
    return True
