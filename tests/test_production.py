"""Production mode: Odoo in prefork (workers >= 2) with its websocket process, the bus and the live chat.

The server runs as a subprocess on the test database, the way production runs it: HTTP workers and the
websocket process (`odoo-bin gevent`) on their own free ports. A stdlib websocket client logs in as the
operator, subscribes to the bus and must receive (1) the inbox notification of a message posted by a
colleague on a lead the operator follows and (2) the website visitor's live chat session and message.
Everything the test writes into the database is removed afterwards; the server is always stopped.
"""

import base64
import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
import xmlrpc.client
from http.cookiejar import CookieJar
from pathlib import Path

import psutil
import pytest

DB = os.environ.get("MEDCRM_TEST_DB")
pytestmark = pytest.mark.skipif(not DB, reason="needs the database of `make test` (MEDCRM_TEST_DB)")

WORKERS = 2
START_TIMEOUT = 60
NOTIFICATION_TIMEOUT = 20
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - a local server of the test
        return resp.status, resp.read()


class Server:
    """`odoo-bin` in prefork mode as a subprocess; its log goes to a file."""

    def __init__(self, tmp_path):
        from odoo.tools import config  # the runtime config pytest-odoo was given

        self.http_port, self.gevent_port = _free_port(), _free_port()
        self.log_path = tmp_path / "odoo-prefork.log"
        odoo_bin = Path(sys.modules["odoo"].__file__).resolve().parent.parent / "odoo-bin"
        self.cmd = [
            sys.executable,
            str(odoo_bin),
            "-c",
            config.rcfile,
            "-d",
            DB,
            "--db-filter",
            f"^{DB}$",
            f"--workers={WORKERS}",
            # No cron process here: the test database must not run the scheduled jobs (1C exchange) meanwhile.
            "--max-cron-threads=0",
            "--http-interface=127.0.0.1",
            f"--http-port={self.http_port}",
            f"--gevent-port={self.gevent_port}",
            "--log-level=info",
        ]
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self):
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        # The HTTP workers answer once the master has loaded the registry; the websocket process starts
        # after that and loads its own: the websocket client waits for it while the test prepares its data.
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"the prefork server exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no answer on {self.url} after {START_TIMEOUT}s:\n{self.log()[-3000:]}")
            with contextlib.suppress(OSError):
                if _get(f"{self.url}/web/health")[0] == 200:
                    break
            time.sleep(0.3)
        threading.Thread(target=self._warm_up_websocket_process, args=(deadline,), daemon=True).start()

    def _warm_up_websocket_process(self, deadline):
        """A first request makes the websocket process load the registry, while the test logs in."""
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                _get(f"http://127.0.0.1:{self.gevent_port}/websocket/health", timeout=START_TIMEOUT)
                return
            except OSError:
                time.sleep(0.3)

    def gevent_pids(self):
        children = psutil.Process(self.proc.pid).children()
        return [p.pid for p in children if "gevent" in p.cmdline()]

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # graceful: the master stops its workers and the gevent process
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=3)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class WebSocket:
    """A minimal RFC 6455 client (text frames, ping/pong), enough for Odoo's bus protocol."""

    def __init__(self, port, path, cookie, timeout):
        deadline = time.monotonic() + timeout
        while True:  # the websocket process may not listen yet
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"nothing listens on the websocket port {port} after {timeout}s") from None
                time.sleep(0.3)
        self.buffer = b""
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError(f"websocket handshake: connection closed ({self.buffer!r})")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        assert " 101 " in status_line, f"websocket handshake refused: {head.decode('latin-1')}"
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()  # noqa: S324 - RFC 6455
        assert headers.get("sec-websocket-accept") == accept

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, event_name, data):
        self._send_frame(0x1, json.dumps({"event_name": event_name, "data": data}).encode())

    def _read(self, size, deadline):
        while len(self.buffer) < size:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("the websocket was closed by the server")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def receive(self, deadline):
        """Next text message (decoded JSON); answers pings on the way."""
        while True:
            first, second = self._read(2, deadline)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._read(2, deadline))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._read(8, deadline))
            payload = self._read(size, deadline)
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise AssertionError(f"the server closed the websocket (code {code}, {payload[2:]!r})")
            if opcode == 0x9:
                self._send_frame(0xA, payload)
            elif opcode == 0x1:
                return json.loads(payload)

    def wait_for(self, predicate, what, timeout=NOTIFICATION_TIMEOUT):
        """The first bus notification matching ``predicate``; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            try:
                notifications = self.receive(deadline)
            except TimeoutError:
                pytest.fail(f"no bus notification {what} within {timeout}s; got types {seen}")
            for notification in notifications:
                self.last_id = max(getattr(self, "last_id", 0), notification["id"])
                seen.append(notification["message"]["type"])
                if predicate(notification):
                    return notification

    def close(self):
        with contextlib.suppress(OSError):
            self._send_frame(0x8, struct.pack("!H", 1000))
        self.sock.close()


class JsonClient:
    """A browser session on the HTTP port: cookies kept, JSON-RPC calls."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def call(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        request = urllib.request.Request(  # noqa: S310 - a local server of the test
            self.base_url + path, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with self.opener.open(request, timeout=30) as resp:
            answer = json.loads(resp.read())
        assert "error" not in answer, f"{path}: {answer['error']}"
        return answer["result"]

    def cookie_header(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


def _store_records(notification, model):
    """Records of ``model`` in a notification carrying a mail store (``{model: [{id: ...}, ...]}``)."""
    payload = notification["message"]["payload"]
    records = payload.get(model, []) if isinstance(payload, dict) else []
    return records if isinstance(records, list) else [records]


def _notification_mentions(notification, text):
    return text in json.dumps(notification["message"]["payload"], ensure_ascii=False)


def test_prefork_websocket_bus_and_livechat(server):
    common = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/common")
    models = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/object", allow_none=True)
    # Demo users' passwords are their logins.
    uids = {login: common.authenticate(DB, login, login, {}) for login in ("admin", "ivanova")}
    admin, colleague = uids["admin"], uids["ivanova"]
    assert admin and colleague

    def call(model, method, *args, login="admin", **kwargs):
        return models.execute_kw(DB, uids[login], login, model, method, list(args), kwargs)

    [operator] = call("res.users", "read", [admin], fields=["partner_id", "notification_type"])
    operator_partner = operator["partner_id"][0]
    token = uuid.uuid4().hex[:12]
    created = {}
    # The operator reads his notifications in Odoo (inbox), as the live notifications are for.
    call("res.users", "write", [admin], {"notification_type": "inbox"})
    ws = None
    try:
        browser = JsonClient(server.url)
        session = browser.call("/web/session/authenticate", {"db": DB, "login": "admin", "password": "admin"})
        assert session["uid"] == admin
        try:
            ws = WebSocket(server.gevent_port, "/websocket", browser.cookie_header(), timeout=START_TIMEOUT)
        except AssertionError as exc:
            errors = [line for line in server.log().splitlines() if "Error" in line]
            pytest.fail(f"{exc}; the server's log says:\n" + "\n".join(errors[-5:]))
        gevent_before = server.gevent_pids()
        assert len(gevent_before) == 1, f"one websocket (gevent) process expected, found {gevent_before}"
        ws.send("subscribe", {"channels": [], "last": 0})
        ws.send("update_presence", {"inactivity_period": 0, "im_status_ids_by_model": {}})

        # 1. A colleague writes on a lead the operator follows: the inbox notification arrives live.
        _model, call_source = call("ir.model.data", "check_object_reference", "medcrm_leads", "utm_source_inbound_call")
        lead = call(
            "crm.lead", "create", {"name": f"Проверка шины {token}", "user_id": colleague, "source_id": call_source}
        )
        created["crm.lead"] = [lead]
        call("crm.lead", "message_subscribe", [lead], partner_ids=[operator_partner])
        body = f"Клиент перезвонит завтра ({token})"
        call(
            "crm.lead",
            "message_post",
            [lead],
            login="ivanova",
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        ws.wait_for(
            lambda n: n["message"]["type"] == "mail.message/inbox" and _notification_mentions(n, body),
            "mail.message/inbox of the colleague's message",
        )

        # 2. The website live chat: the operator is online (his websocket), a visitor starts a chat.
        livechat = call("im_livechat.channel", "create", {"name": f"Чат {token}", "user_ids": [(6, 0, [admin])]})
        created["im_livechat.channel"] = [livechat]
        visitor = JsonClient(server.url)
        init = visitor.call("/im_livechat/init", {"channel_id": livechat})
        assert init["available_for_me"], "the operator connected by websocket must be available to chat"
        store = visitor.call(
            "/im_livechat/get_session", {"channel_id": livechat, "anonymous_name": "Посетитель", "persisted": True}
        )
        assert store, "no live chat session for the visitor"
        [chat] = store["discuss.channel"]
        created["discuss.channel"] = [chat["id"]]
        ws.wait_for(
            lambda n: any(c.get("id") == chat["id"] for c in _store_records(n, "discuss.channel")),
            "announcing the visitor's chat to the operator",
        )
        # The web client subscribes again when it joins a channel; so does this one. Served asynchronously,
        # but a subscription also delivers what its channels received since the last notification sent.
        ws.send("subscribe", {"channels": [], "last": ws.last_id})
        question = f"Здравствуйте! Нужны маски, 10 000 шт. ({token})"
        visitor.call(
            "/mail/message/post",
            {
                "thread_model": "discuss.channel",
                "thread_id": chat["id"],
                "post_data": {"body": question, "message_type": "comment"},
            },
        )
        ws.wait_for(
            lambda n: n["message"]["type"] == "discuss.channel/new_message" and _notification_mentions(n, question),
            "discuss.channel/new_message with the visitor's message",
        )

        # The websocket process stayed the same all along: no crash, no respawn loop.
        assert server.gevent_pids() == gevent_before
    finally:
        if ws:
            ws.close()
        for model in ("discuss.channel", "im_livechat.channel", "crm.lead"):
            if created.get(model):
                call(model, "unlink", created[model])
        call("res.users", "write", [admin], {"notification_type": operator["notification_type"]})
    log = server.log()
    assert log.count("Evented Service (longpolling) running on") == 1, "the websocket process was restarted"
    problems = [line for line in log.splitlines() if re.search(r" (ERROR|CRITICAL) |Traceback", line)]
    assert not problems, "the prefork server logged errors:\n" + "\n".join(problems[:20])
