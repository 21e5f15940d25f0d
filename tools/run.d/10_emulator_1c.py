"""`make run` hook: start the 1C emulator beside Odoo and connect the demo database to it.

Run by tools/medcrm_dev.py (cmd_run) with the venv's Python as ``10_emulator_1c.py <runtime conf> <db>``,
before Odoo starts. Settings: the [medcrm_1c] section of odoo.conf (``emulator = False`` turns it off,
e.g. once a real 1C is connected in Odoo).

Life cycle: `make run` replaces itself by Odoo (exec), so Odoo keeps the PID of the process that ran this
hook. The emulator is started detached with ``--watch-pid`` set to that PID and stops by itself once Odoo
ends, whether by Ctrl-C, a signal or a crash. An emulator already answering on the port (a previous run
still winding down, or one started by hand) is reused.

Connecting: the demo connection (medcrm_1c_bridge.medcrm_1c_connection_demo) gets the emulator's URL and
credentials; the first time, the catalogue and the counterparties are read, so a new user sees them arrive
"from 1C"; later runs only read the changes.
"""

import configparser
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Emulator profile (emulator_1c/schema.py) -> connection preset (medcrm_1c_bridge, PRESETS).
PRESET_OF_PROFILE = {"ut11": "ut11", "ut11-both": "ut11", "unf": "unf", "bp3": "bp3"}


def log(msg):
    print(f"[medcrm] 1C: {msg}", file=sys.stderr, flush=True)


def settings(conf_path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(conf_path)
    section = dict(parser["medcrm_1c"]) if parser.has_section("medcrm_1c") else {}
    port = int(section.get("emulator_port", "18080"))
    return {
        "enabled": section.get("emulator", "True").strip().lower() in ("1", "true", "yes"),
        "host": "127.0.0.1",
        "port": port,
        "products": int(section.get("emulator_products", "1000")),
        "profile": section.get("emulator_profile", "ut11"),
        "user": section.get("user", "odata"),
        "password": section.get("password", "odata"),
        "url": section.get("url") or f"http://127.0.0.1:{port}/medcrm",
        "data_dir": parser.get("options", "data_dir", fallback=str(ROOT / ".medcrm")),
    }


def health(cfg):
    try:
        with urllib.request.urlopen(f"http://{cfg['host']}:{cfg['port']}/_emulator/stats", timeout=2) as resp:  # noqa: S310
            return json.loads(resp.read().decode())
    except (OSError, urllib.error.URLError, ValueError):
        return None


def start_emulator(cfg, db):
    stats = health(cfg)
    if stats:
        log(f"emulator already answering on port {cfg['port']} ({stats.get('products')} products)")
        if stats.get("profile") and stats["profile"] != cfg["profile"]:
            log(f"it emulates {stats['profile']}, not {cfg['profile']}: stop it to switch the configuration")
        return
    # Each configuration keeps its own journal: the objects of one are not those of another.
    state = Path(cfg["data_dir"]) / "emulator_1c" / (db if cfg["profile"] == "ut11" else f"{db}-{cfg['profile']}")
    state.mkdir(parents=True, exist_ok=True)
    logfile = open(state / "emulator.log", "ab")  # noqa: SIM115 - handed to the child process
    cmd = [
        sys.executable,
        "-m",
        "emulator_1c",
        "--host",
        cfg["host"],
        "--port",
        str(cfg["port"]),
        "--products",
        str(cfg["products"]),
        "--profile",
        cfg["profile"],
        "--user",
        cfg["user"],
        "--password",
        cfg["password"],
        "--data-dir",
        str(state),
        "--watch-pid",
        str(os.getppid()),  # medcrm_dev.py, whose PID Odoo takes over
        "--pid-file",
        str(state / "emulator.pid"),
    ]
    subprocess.Popen(
        cmd, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    for _ in range(120):
        if health(cfg):
            log(f"emulator started on http://{cfg['host']}:{cfg['port']} (log: {state / 'emulator.log'})")
            return
        time.sleep(0.5)
    raise SystemExit(f"the 1C emulator did not start: see {state / 'emulator.log'}")


def connect(conf_path, db, cfg):
    sys.path.insert(0, str(ROOT))
    import odoo
    import odoo.exceptions
    from odoo.tools import config

    config.parse_config(["-c", str(conf_path), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "ru_RU"})
        if "medcrm.1c.connection" not in env:
            log(f"medcrm_1c_bridge is not installed in {db}: nothing to connect")
            return
        connection = env.ref("medcrm_1c_bridge.medcrm_1c_connection_demo", raise_if_not_found=False)
        if not connection:
            connection = env["medcrm.1c.connection"].search([("url", "=", cfg["url"])], limit=1)
        values = {"url": cfg["url"], "username": cfg["user"], "password": cfg["password"], "active": True}
        if connection:
            connection.write(values)
        else:
            connection = env["medcrm.1c.connection"].create(dict(values, name="1C (эмулятор)"))
        # The emulated configuration decides the preset; "Test connection" then reads what it publishes.
        preset = PRESET_OF_PROFILE.get(cfg["profile"], "ut11")
        if connection.preset != preset:
            connection.write({"preset": preset})
            connection._medcrm_1c_apply_preset()
        try:
            connection.action_test_connection()
        except odoo.exceptions.UserError as exc:
            log(f"test connection failed: {exc}")
        for line in (connection.odata_check or "").splitlines():
            log(line)
        first = not connection.last_product_sync
        logs = connection.with_context(medcrm_1c_commit=True)._medcrm_1c_sync_products(full=first)
        if connection.sync_partners:
            logs |= connection._medcrm_1c_sync_partners()
        if connection.export_partners:
            logs |= connection._medcrm_1c_export_partners()
        cr.commit()
        for entry in logs:
            log(
                f"{entry.display_title}: {entry.state}, read {entry.count_read}, created {entry.count_created}, "
                f"updated {entry.count_updated}, errors {entry.count_errors}, {entry.duration:.1f} s"
                + (f" — {entry.message}" if entry.message else "")
            )


def main(argv):
    conf_path, db = argv[1], argv[2]
    cfg = settings(conf_path)
    if not cfg["enabled"]:
        log("emulator disabled in odoo.conf ([medcrm_1c] emulator = False)")
        return 0
    start_emulator(cfg, db)
    try:
        connect(conf_path, db, cfg)
    except Exception as exc:  # noqa: BLE001 - Odoo must start even when the first exchange fails
        log(f"the demo database could not be connected to the emulator: {exc!r} (see the 1C exchange log in Odoo)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
