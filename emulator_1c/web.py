"""Transport-neutral response object and the error types the request handlers raise."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

JSON_TYPE = "application/json;charset=utf-8"
XML_TYPE = "application/xml;charset=utf-8"


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    # Some fault kinds need to know what they are corrupting.
    kind: str = "data"  # data | json | xml | stream

    @property
    def streamed(self) -> bool:
        return not isinstance(self.body, (bytes, bytearray))


def json_response(payload: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, JSON_TYPE, headers or {}, kind="json")


class ODataError(Exception):
    """An error in 1C's OData shape: HTTP status, 1C's internal error code and a Russian message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_response(self, as_json: bool = True) -> Response:
        if as_json:
            payload = {"odata.error": {"code": self.code, "message": {"lang": "ru", "value": self.message}}}
            return json_response(payload, self.status)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
            f"<m:code>{escape(self.code)}</m:code><m:message xml:lang=\"ru\">{escape(self.message)}</m:message>"
            "</m:error>"
        ).encode()
        return Response(self.status, body, XML_TYPE, kind="xml")
