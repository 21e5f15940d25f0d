"""Errors of the exchange with 1C.

Each carries a ``code`` and its ``params``: the Odoo side turns them into a translated message
(``medcrm.1c.connection._medcrm_1c_error_message``); ``str()`` gives the English text for server logs.
Credentials never appear in them: URLs are given without user info and request headers are not kept.
"""

ENGLISH = {
    "unreachable": "1C is unreachable at %(url)s: %(detail)s",
    "timeout": "1C did not answer within %(timeout)s s at %(url)s",
    "http_status": "1C answered HTTP %(status)s at %(url)s: %(detail)s",
    "auth": "1C refused the user name or password (HTTP 401) at %(url)s",
    "malformed_json": "1C sent malformed JSON at %(url)s: %(detail)s",
    "malformed_xml": "1C sent malformed XML: %(detail)s",
    "forbidden_xml": "1C sent XML with a DTD or entities, refused for safety: %(detail)s",
    "too_large": "1C sent more than %(limit)s bytes at %(url)s",
    "bad_guid": "1C sent a reference that is not a GUID: %(detail)s",
    "soap_fault": "The 1C web service refused the request: %(detail)s",
    "not_supported": "The %(transport)s transport cannot %(what)s",
    "bad_record": "The 1C record cannot be read: %(detail)s",
    "empty_feed": "The 1C feed holds no readable product (%(detail)s): nothing was written or archived",
}


class ExchangeError(Exception):
    """1C could not be reached, refused the request, or sent something unreadable."""

    retryable = False

    def __init__(self, code, payload=None, retryable=None, **params):
        self.code = code
        self.params = params
        self.payload = payload
        if retryable is not None:
            self.retryable = retryable
        super().__init__(ENGLISH.get(code, code) % params if params else ENGLISH.get(code, code))


class PayloadError(ExchangeError):
    """1C answered, but the answer is malformed (truncated JSON/XML, wrong GUIDs): worth another try."""

    retryable = True
