"""One HTTP session per connection: timeouts on every call, retries with exponential back-off.

Retried: connection errors, timeouts, connections dropped mid-body, HTTP 429/500/502/503/504 (honouring
``Retry-After`` up to the back-off cap) and payloads that fail to parse (a truncated answer). Not retried:
401/403/404/400 — asking again would not change the answer.
"""

import contextlib
import json
import logging
import time
from urllib.parse import urlsplit, urlunsplit

import requests

from .errors import ExchangeError, PayloadError

_logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
CHUNK = 1 << 16


def public_url(url):
    """The URL without user info or query (what may appear in logs)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class HttpClient:
    def __init__(self, auth=None, timeout=30.0, retries=3, backoff=0.5, backoff_max=8.0, max_bytes=256 << 20):
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers["User-Agent"] = "MedCRM-1C-bridge/18.0"
        self.session.trust_env = False  # no proxies or .netrc credentials picked up from the server's environment
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.backoff_max = float(backoff_max)
        self.max_bytes = int(max_bytes)
        self.attempts = 0  # counted for the sync log

    def close(self):
        self.session.close()

    # --- one request, retried -----------------------------------------------------------------------------

    def call(self, method, url, parse, **kwargs):
        """Send the request and return ``parse(body_bytes, response)``, retrying what is worth retrying."""
        last = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(attempt, last)
            self.attempts += 1
            try:
                return self._once(method, url, parse, **kwargs)
            except ExchangeError as err:
                last = err
                if not err.retryable:
                    raise
                _logger.info("1C exchange: attempt %s of %s failed: %s", attempt + 1, self.retries + 1, err)
        raise last

    def _sleep(self, attempt, err):
        delay = min(self.backoff * (2 ** (attempt - 1)), self.backoff_max)
        retry_after = getattr(err, "params", {}).get("retry_after")
        if retry_after:
            delay = min(max(delay, retry_after), self.backoff_max)
        time.sleep(delay)

    def _once(self, method, url, parse, **kwargs):
        where = public_url(url)
        try:
            resp = self.session.request(method, url, timeout=self.timeout, stream=True, **kwargs)
        except requests.Timeout as err:
            raise ExchangeError("timeout", retryable=True, url=where, timeout=self.timeout) from err
        except requests.RequestException as err:
            raise ExchangeError("unreachable", retryable=True, url=where, detail=type(err).__name__) from err
        with resp:
            try:
                body = self._read(resp, where)
            except requests.Timeout as err:
                raise ExchangeError("timeout", retryable=True, url=where, timeout=self.timeout) from err
            except (requests.RequestException, OSError) as err:
                raise ExchangeError("unreachable", retryable=True, url=where, detail=type(err).__name__) from err
            status = resp.status_code
            if status == 401:
                raise ExchangeError("auth", url=where)
            if status >= 400:
                retry_after = resp.headers.get("Retry-After", "")
                raise ExchangeError(
                    "http_status",
                    payload=body[:2000].decode("utf-8", "replace"),
                    retryable=status in RETRY_STATUSES,
                    url=where,
                    status=status,
                    detail=odata_error_text(body) or resp.reason,
                    retry_after=float(retry_after) if retry_after.isdigit() else 0,
                )
            return parse(body, resp)

    def _read(self, resp, where):
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise ExchangeError("too_large", url=where, limit=self.max_bytes)
        chunks, size = [], 0
        for chunk in resp.iter_content(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise ExchangeError("too_large", url=where, limit=self.max_bytes)
            chunks.append(chunk)
        return b"".join(chunks)

    def download(self, url, target, **kwargs):
        """Stream a (large) file to ``target`` (an open binary file), within the size limit; retried whole."""
        last = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(attempt, last)
            self.attempts += 1
            target.seek(0)
            target.truncate()
            where = public_url(url)
            try:
                with self.session.get(url, timeout=self.timeout, stream=True, **kwargs) as resp:
                    if resp.status_code == 401:
                        raise ExchangeError("auth", url=where)
                    if resp.status_code >= 400:
                        raise ExchangeError(
                            "http_status",
                            retryable=resp.status_code in RETRY_STATUSES,
                            url=where,
                            status=resp.status_code,
                            detail=resp.reason,
                        )
                    size = 0
                    for chunk in resp.iter_content(CHUNK):
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise ExchangeError("too_large", url=where, limit=self.max_bytes)
                        target.write(chunk)
                target.flush()
                target.seek(0)
                return size
            except requests.Timeout as err:
                last = ExchangeError("timeout", retryable=True, url=where, timeout=self.timeout)
                last.__cause__ = err
            except (requests.RequestException, OSError) as err:
                last = ExchangeError("unreachable", retryable=True, url=where, detail=type(err).__name__)
                last.__cause__ = err
            except ExchangeError as err:
                if not err.retryable:
                    raise
                last = err
        raise last


def odata_error_text(body):
    """The message of 1C's ``odata.error`` (JSON) or ``m:error`` (XML), if the body is one."""
    with contextlib.suppress(ValueError, KeyError, TypeError, UnicodeDecodeError):
        return str(json.loads(body.decode("utf-8"))["odata.error"]["message"]["value"])[:500]
    text = body[:500].decode("utf-8", "replace")
    start = text.find("<m:message")
    if start >= 0:
        return text[text.find(">", start) + 1 : text.find("</m:message>")][:500]
    return ""


def parse_json(body, resp):
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise PayloadError(
            "malformed_json", payload=body[:2000].decode("utf-8", "replace"), url=public_url(resp.url), detail=str(err)
        ) from err
