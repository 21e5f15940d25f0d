"""HTTP front of the emulator: routing, Basic auth, fault injection and the admin API.

URL layout (``<base>`` is the publication name, ``medcrm`` by default), as a 1C base published on
Apache/IIS exposes it:

  /<base>/odata/standard.odata/...        standard OData interface
  /<base>/hs/medcrm/...                   custom HTTP service (change feed, order status)
  /<base>/ws/medcrm_exchange[.1cws]       SOAP web service (?wsdl for the contract)
  /<base>/cml/import.xml, offers.xml      CommerceML 2 files of the site exchange (?version=2.03…2.10,
  /<base>/cml/prices.xml, rests.xml       &characteristics=0.3, &split=1, &since=<seq>); prices and rests
  /<base>/cml/package.zip                 for split versions; the whole exchange zipped (&layout=http|webdata,
                                          &part=<products per part>)
  /_emulator/...                          the emulator's own admin API (no auth, never faulted)
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from . import __version__
from .commerceml import LAYOUTS, VERSIONS, WRITERS, CmlSource, write_package
from .faults import FaultInjector, mangle_guids, parse_spec, truncate
from .odata import OData
from .schema import PROFILES
from .soap import SoapService, wsdl_document
from .store import NotFound, Store, StoreOptions
from .util import data_version
from .web import XML_TYPE, ODataError, Response, json_response

log = logging.getLogger("emulator_1c")

# Apache's LimitRequestLine (IIS's maxUrl is close): a longer request line gets 414 before 1C sees it, so a
# client that puts a thousand keys into one $filter fails here as it would in production.
MAX_REQUEST_LINE = 8190


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 18080
    base: str = "medcrm"
    user: str = "odata"
    password: str = "odata"
    products: int = 1000
    seed: int = 42
    profile: str = "ut11"
    data_dir: str | None = None
    faults: str = ""
    verbose: bool = False


class Emulator:
    """Wires the store, the protocol handlers and the fault injector together."""

    def __init__(self, config: Config) -> None:
        if config.profile not in PROFILES:
            raise ValueError(f"unknown profile {config.profile!r}; known: {', '.join(PROFILES)}")
        self.config = config
        self.store = Store(StoreOptions(config.products, config.seed, PROFILES[config.profile], config.data_dir))
        self.odata = OData(self.store)
        self.soap = SoapService(self.store, self.odata)
        self.faults = FaultInjector()
        if config.faults:
            self.faults.configure(parse_spec(config.faults))
        self.requests = 0
        self.counter_lock = threading.Lock()

    # --- 1C endpoints -----------------------------------------------------------------------------------------

    def route_1c(self, method: str, path: str, query: dict[str, str], body: bytes, headers, root: str) -> Response:
        prefix = f"/{self.config.base}/"
        rest = path[len(prefix):]
        if rest.startswith("odata/standard.odata"):
            sub = rest[len("odata/standard.odata"):]
            return self.odata.handle(method, sub, query, body, f"{root}/{self.config.base}/odata/standard.odata",
                                     headers.get("Accept", ""))
        if rest.startswith("hs/medcrm/"):
            return self.http_service(method, rest[len("hs/medcrm/"):], query)
        if rest in ("ws/medcrm_exchange", "ws/medcrm_exchange.1cws"):
            if method == "GET" and "wsdl" in {k.lower() for k in query}:
                location = f"{root}/{self.config.base}/ws/medcrm_exchange.1cws"
                return Response(200, wsdl_document(location), XML_TYPE, kind="xml")
            if method == "POST":
                return self.soap.handle(body)
            return Response(405, b"", kind="data", headers={"Allow": "GET, POST"})
        if rest in ("cml/import.xml", "cml/offers.xml", "cml/prices.xml", "cml/rests.xml", "cml/package.zip"):
            return self.cml(rest.split("/")[1], query)
        return ODataError(404, "9", f"Ресурс не найден: {path}").to_response()

    def http_service(self, method: str, rest: str, query: dict[str, str]) -> Response:
        """What a 1C developer publishes as an HTTP service "medcrm" (root URL "medcrm")."""
        if rest == "ping":
            return json_response({"status": "ok", "version": __version__, "seq": self.store.seq})
        if rest == "changes" and method == "GET":
            try:
                since = int(query.get("since", "0"))
                limit = max(1, min(int(query.get("limit", "1000")), 10000))
            except ValueError:
                return json_response({"error": "since и limit должны быть целыми числами"}, 400)
            types = {t for t in query.get("types", "").split(",") if t} or None
            unknown = [t for t in types or () if t not in self.store.entities]
            if unknown:
                return json_response({"error": f"Неизвестные типы: {', '.join(unknown)}"}, 400)
            items, last, more = self.store.changes(since, limit, types)
            return json_response({"since": since, "next": last, "more": more, "current": self.store.seq,
                                  "current_version": data_version(self.store.seq), "items": items})
        if rest.startswith("orders/") and method == "GET":
            key = rest[len("orders/"):].removesuffix("/status").lower()
            try:
                st = self.store.order_status(key)
            except NotFound:
                return json_response({"error": f"Заказ guid'{key}' не найден"}, 404)
            return json_response(_status_json(st))
        return json_response({"error": f"Метод не найден: {rest}"}, 404)

    def cml(self, name: str, query: dict[str, str]) -> Response:
        version = query.get("version", "2.05")
        if version not in VERSIONS:
            return json_response({"error": f"Неподдерживаемая версия CommerceML {version}"}, 400)
        try:
            share = float(query.get("characteristics", "0"))
            part = int(query.get("part", "0"))
        except ValueError:
            return json_response({"error": "characteristics — доля от 0 до 1, part — целое число"}, 400)
        if not 0 <= share <= 1 or part < 0:
            return json_response({"error": "characteristics — доля от 0 до 1, part — целое число"}, 400)
        layout = query.get("layout", "http")
        if layout not in LAYOUTS:
            return json_response({"error": f"Неизвестная раскладка файлов {layout}"}, 400)
        split = {"1": True, "true": True, "0": False, "false": False}.get(query.get("split", "").lower())
        since = query.get("since")
        products = self.store.profile.products
        with self.store.lock:
            rows = self.store.all(products)
            extras = self.store.extras
        folders = [r for r in rows if r.get("IsFolder")]
        if since is not None:
            if not since.isdigit():
                return json_response({"error": "since должен быть целым числом"}, 400)
            threshold = data_version(int(since))
            rows = [r for r in rows if r["DataVersion"] > threshold]
        src = CmlSource(self.store.ref, self.store.profile, folders,
                        ((r, extras.get(r["Ref_Key"])) for r in rows), changes_only=since is not None,
                        version=version, characteristics=share, split=split)
        if name in ("prices.xml", "rests.xml") and not src.split_files:
            return json_response({"error": f"В CommerceML {version} без раздельных файлов цены и остатки "
                                           "передаются в offers.xml"}, 404)
        if name == "package.zip":
            with tempfile.TemporaryDirectory(prefix="emulator-cml-") as tmp:
                archive = os.path.join(tmp, "package.zip")
                write_package(os.path.join(tmp, "files"), src, layout=layout, part_size=part, zip_path=archive)
                with open(archive, "rb") as fh:
                    body = fh.read()
            return Response(200, body, "application/zip", kind="data",
                            headers={"Content-Disposition": 'attachment; filename="package.zip"'})
        return Response(200, WRITERS[name](src), XML_TYPE, kind="stream",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # --- admin API -------------------------------------------------------------------------------------------

    def admin(self, method: str, rest: str, body: bytes) -> Response:
        try:
            data = json.loads(body.decode("utf-8") or "{}") if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return json_response({"error": "invalid JSON body"}, 400)
        products = self.store.profile.products
        parts = [p for p in rest.split("/") if p]
        try:
            if parts == ["health"]:
                return json_response({"status": "ok"})
            if parts == ["stats"]:
                stats = self.store.stats()
                stats.update(requests=self.requests, faults=self.faults.stats(), base=self.config.base,
                             order_entity=self.store.profile.order, units_entity=self.store.profile.units)
                return json_response(stats)
            if method != "POST" and parts[:1] != ["faults"] and parts[:1] != ["orders"]:
                return json_response({"error": "use POST"}, 405)
            if parts == ["reset"]:
                self.store.reset(data.get("products"), data.get("seed"))
                self.odata.cache = type(self.odata.cache)()
                return json_response(self.store.stats())
            if parts in (["mutate"], ["products", "mutate"]):
                entity = data.get("entity", products) if parts == ["mutate"] else products
                keys = self.store.mutate(entity, data.get("percent"), data.get("count"))
                return json_response({"changed": keys, "seq": self.store.seq})
            if parts == ["products", "add"]:
                keys = self.store.add_products(int(data.get("count", 1)))
                return json_response({"added": keys, "seq": self.store.seq})
            if parts in (["delete-mark"], ["products", "delete-mark"]):
                entity = data.get("entity", products) if parts == ["delete-mark"] else products
                keys = self.store.mark_deleted(entity, data.get("keys"), data.get("count"), data.get("mark", True))
                return json_response({"marked": keys, "mark": data.get("mark", True), "seq": self.store.seq})
            if parts[:1] == ["orders"] and len(parts) >= 2:
                key = parts[1].lower()
                if len(parts) == 2 and method == "GET":
                    return json_response(_status_json(self.store.order_status(key)))
                if parts[2:] == ["pay"] and method == "POST":
                    amount = data.get("amount")
                    doc = self.store.pay_order(key, float(amount) if amount is not None else None, data.get("date"))
                    return json_response({"payment": doc, "status": _status_json(self.store.order_status(key))})
                if parts[2:] == ["ship"] and method == "POST":
                    doc = self.store.ship_order(key, data.get("date"))
                    return json_response({"shipment": doc, "status": _status_json(self.store.order_status(key))})
            if parts == ["faults"]:
                if method == "GET":
                    return json_response(self.faults.stats())
                if method == "DELETE":
                    self.faults.clear()
                    return json_response(self.faults.stats())
                if method in ("POST", "PUT"):
                    merge = bool(data.pop("merge", False))
                    self.faults.configure(data, replace=method == "PUT" or not merge)
                    return json_response(self.faults.stats())
            if parts == ["faults", "next"] and method == "POST":
                self.faults.configure({"next": [data]}, replace=False)
                return json_response(self.faults.stats())
        except NotFound as err:
            return json_response({"error": f"not found: {err}"}, 404)
        except (ValueError, TypeError, KeyError) as err:
            return json_response({"error": str(err)}, 400)
        return json_response({"error": f"unknown admin endpoint {method} /_emulator/{rest}"}, 404)


def _status_json(st: dict) -> dict:
    order = st["order"]
    return {"Ref_Key": order["Ref_Key"], "Number": order["Number"], "Статус": order.get("Статус"),
            "amount": st["amount"], "paid": st["paid"], "paid_amount": st["paid_amount"], "paid_date": st["paid_date"],
            "shipped": st["shipped"], "shipped_date": st["shipped_date"], "state": st["state"],
            "status_text": st["status_text"]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache/2.4.57 (emulated 1C:Enterprise 8.3)"
    sys_version = ""
    # Apache and IIS set TCP_NODELAY on their connections; without it a small answer written after its
    # headers waits for the client's delayed ACK (~40 ms on Linux), a stall no real publication has.
    disable_nagle_algorithm = True
    emulator: Emulator  # set on the subclass made per server

    def log_message(self, fmt: str, *args) -> None:  # route the default access log through logging
        if self.emulator.config.verbose:
            log.info("%s - %s", self.address_string(), fmt % args)

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PATCH(self) -> None:
        self.dispatch("PATCH")

    def do_MERGE(self) -> None:
        self.dispatch("MERGE")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    # --- plumbing -----------------------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        cfg = self.emulator.config
        return user == cfg.user and password == cfg.password

    def dispatch(self, method: str) -> None:
        emu = self.emulator
        with emu.counter_lock:
            emu.requests += 1
        if len(self.requestline) > MAX_REQUEST_LINE:
            self._read_body()
            html = ("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\"><html><head><title>414 Request-URI Too Long"
                    "</title></head><body><h1>Request-URI Too Long</h1><p>The requested URL's length exceeds the "
                    "capacity limit for this server.</p></body></html>")
            self.send(Response(414, html.encode(), "text/html;charset=iso-8859-1"))
            return
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = self._read_body()
        if path.startswith("/_emulator/"):
            self.send(emu.admin(method, path[len("/_emulator/"):], body))
            return
        if not path.startswith(f"/{emu.config.base}/"):
            self.send(ODataError(404, "9", f"Публикация не найдена: {path}").to_response())
            return
        if not self._authorized():
            # 1C answers 401 before doing anything else, faults included.
            self.send(Response(401, "Требуется аутентификация".encode(), "text/plain;charset=utf-8",
                               {"WWW-Authenticate": 'Basic realm="1C:Enterprise"'}))
            return
        delay, fault = emu.faults.decide(path)
        if delay:
            emu.faults.stop.wait(delay)
        if fault == "timeout":
            emu.faults.stop.wait(emu.faults.config.hang_seconds)
            self.abort()
            return
        if fault == "error500":
            if "/ws/" in path:
                self.send(emu.soap._fault("http://schemas.xmlsoap.org/soap/envelope/", _server_fault()))
            else:
                self.send(ODataError(500, "-1", "Произошла внутренняя ошибка OData сервиса. Дополнительные сведения "
                                                "можно найти в технологическом журнале.").to_response())
            return
        if fault == "error503":
            html = ("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\"><html><head><title>503 Service Unavailable"
                    "</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service "
                    "your request due to maintenance downtime or capacity problems.</p></body></html>")
            self.send(Response(503, html.encode(), "text/html;charset=iso-8859-1",
                               {"Retry-After": str(emu.faults.config.retry_after)}))
            return
        host = self.headers.get("Host") or f"{emu.config.host}:{emu.config.port}"
        try:
            resp = emu.route_1c(method, path, query, body, self.headers, f"http://{host}")
        except Exception:  # a bug must look like 1C's internal error, not kill the connection
            log.exception("internal error on %s %s", method, path)
            resp = ODataError(500, "-1", "Произошла внутренняя ошибка OData сервиса.").to_response()
        if fault == "bad_guid":
            resp = _map_body(resp, mangle_guids)
        elif fault == "truncate":
            resp = _truncated(resp)
        self.send(resp, drop=fault == "drop")

    def abort(self) -> None:
        """Close the connection without an answer (a hung or crashed server, from the client's side)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send(self, resp: Response, drop: bool = False) -> None:
        try:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("DataServiceVersion", "3.0")
            for name, value in resp.headers.items():
                # Header values are Latin-1 on the wire: a Location with Cyrillic entity names gets %-encoded.
                self.send_header(name, quote(value, safe=":/?#[]@!$&'()*+,;=%\" ") if not value.isascii() else value)
            if resp.streamed:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for n, chunk in enumerate(resp.body):
                    if not chunk:
                        continue
                    self.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
                    if drop and n >= 1:
                        self.wfile.flush()
                        self.abort()
                        return
                self.wfile.write(b"0\r\n\r\n")
            else:
                body = bytes(resp.body)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if drop:
                    self.wfile.write(body[: max(1, len(body) // 2)])
                    self.wfile.flush()
                    self.abort()
                    return
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _server_fault():
    from .soap import SoapFault

    return SoapFault("Произошла внутренняя ошибка сервера 1С:Предприятия", client=False)


def _map_body(resp: Response, fn) -> Response:
    if resp.streamed:
        resp.body = (fn(chunk) for chunk in resp.body)
    else:
        resp.body = fn(bytes(resp.body))
    return resp


def _truncated(resp: Response) -> Response:
    if resp.streamed:
        source = iter(resp.body)
        # Two chunks of a document and then a clean end of the HTTP stream: an unclosed XML document.
        resp.body = (chunk for _, chunk in zip(range(2), source, strict=False))
    else:
        resp.body = truncate(bytes(resp.body))
    return resp


class EmulatorServer:
    """The emulator running in a background thread (used by the CLI and by tests)."""

    def __init__(self, config: Config) -> None:
        self.emulator = Emulator(config)
        handler = type("BoundHandler", (Handler,), {"emulator": self.emulator})
        self.httpd = ThreadingHTTPServer((config.host, config.port), handler)
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.emulator.config.host}:{self.port}"

    def start(self) -> EmulatorServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="emulator-1c", daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.httpd.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        self.emulator.faults.stop.set()
        self.httpd.shutdown() if self.thread else None
        self.httpd.server_close()
        self.emulator.store.close()
        if self.thread:
            self.thread.join(timeout=5)
            self.thread = None
        time.sleep(0)
