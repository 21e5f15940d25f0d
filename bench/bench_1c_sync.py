"""Benchmark of the 1C bridge: a full sync of 100,000 products from the emulator, then an incremental
sync with 1 % changed, each compared with importing the same rows through Odoo's standard ``load()``.

Run by `make bench` (fresh database without demo, MEDCRM_RUNTIME_CONF set). The emulator runs in its own
process (as 1C would), on a free port. Targets: full ≤ 60 s, incremental ≤ 3 s.

``load()`` of 100,000 products takes many minutes, so by default it is measured on a sample
(MEDCRM_BENCH_LOAD_ROWS, default 10,000; "all" for every row) and scaled linearly to the full count;
the printed ratio says so. Every ``load()`` runs in a savepoint that is rolled back.

With MEDCRM_BENCH_CML=1 it also times a full sync of a CommerceML package written by the emulator to a
folder (MEDCRM_BENCH_CML_VERSION, default 2.10: numbered parts import0_N/offers0_N/prices0_N/rests0_N.xml,
MEDCRM_BENCH_CML_CHARACTERISTICS = 0.3 of the products sold by characteristics), read through a connection
with transport "commerceml" and url = the folder, beside ``load()`` of the same rows (off by default: the
package takes minutes to write); MEDCRM_BENCH_CML_ONLY=1 skips the OData part.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRODUCTS = int(os.environ.get("MEDCRM_BENCH_PRODUCTS", "100000"))
CHANGED_PERCENT = 1.0
FULL_TARGET, INCREMENTAL_TARGET = 60.0, 3.0
LOAD_FIELDS = [
    "name",
    "default_code",
    "categ_id/.id",
    "uom_id/.id",
    "uom_po_id/.id",
    "list_price",
    "medcrm_1c_code",
    "medcrm_1c_full_name",
    "medcrm_1c_stock_qty",
    "medcrm_registry_code",
    "medcrm_registry_date",
    "medcrm_registry_valid_until",
    "medcrm_manufacturer_id/.id",
    "medcrm_own_production",
    "medcrm_analogue_group_id/.id",
]


class _Rollback(Exception):
    pass


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin(url, path, **body):
    req = urllib.request.Request(  # noqa: S310 - the local emulator over http
        f"{url}/_emulator/{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=600) as resp:  # noqa: S310 - the local emulator over http
        return json.loads(resp.read().decode())


def start_emulator():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator_1c", "--port", str(port), "--products", str(PRODUCTS), "--seed", "7"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_emulator/health", timeout=2):  # noqa: S310
            return proc, url
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("the emulator did not start")


def write_cml_package(folder, products, version="2.10", characteristics=0.3, part_size=10000, seed=8):
    """Write the emulator's CommerceML exchange for ``products`` products into ``folder``; returns (seconds, files).

    The emulator's writer runs in its own process (as 1C would write the files), one pass over the products:
    numbered parts of ``part_size`` products in the layout of the HTTP exchange.
    """
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "emulator_1c",
            "write-cml",
            str(folder),
            "--products",
            str(products),
            "--seed",
            str(seed),
            "--version",
            version,
            "--characteristics",
            str(characteristics),
            "--layout",
            "http",
            "--part-size",
            str(part_size),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    files = sorted(p.name for p in Path(folder).iterdir())
    return time.monotonic() - started, files


def bench_commerceml(env):
    """Full sync of a written CommerceML package through a "commerceml" connection, beside ``load()``."""
    version = os.environ.get("MEDCRM_BENCH_CML_VERSION", "2.10")
    share = float(os.environ.get("MEDCRM_BENCH_CML_CHARACTERISTICS", "0.3"))
    folder = Path(tempfile.mkdtemp(prefix="medcrm-bench-cml-"))
    try:
        took, files = write_cml_package(folder, PRODUCTS, version, share)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        print(
            f"CommerceML {version} package, {PRODUCTS} products ({share:.0%} with characteristics): "
            f"{len(files)} files, {size:.0f} MiB, written in {took:.1f} s",
            flush=True,
        )
        # Another seed than the OData emulator's: other references, so every product of the package is new.
        before = env["product.template"].with_context(active_test=False).search([], order="id desc", limit=1).id or 0
        # A company keeping its books in roubles, as the customer does (a fresh database is in dollars, where
        # every rouble price would need a rate): 1C's prices are then taken as they are.
        rub = env.ref("base.RUB")
        rub.active = True
        company = env["res.company"].create({"name": "ООО «МедКомплект» (bench)", "currency_id": rub.id})
        connection = (
            env["medcrm.1c.connection"]
            .create({"name": "bench CommerceML", "transport": "commerceml", "url": str(folder)})
            .with_company(company)
        )
        env.cr.commit()
        t0 = time.monotonic()
        log = connection._medcrm_1c_sync_products(full=True)
        env.cr.commit()
        full = time.monotonic() - t0
        mirrored = env["product.template"].search([("medcrm_1c_guid", "!=", False), ("id", ">", before)])
        variants = getattr(log, "count_variants", None)
        print(
            f"full sync of the CommerceML package: {full:.1f} s ({log.state}; created {log.count_created}, "
            f"variants {variants}, {len(mirrored)} mirrored products) — target ≤ {FULL_TARGET:.0f} s: "
            f"{verdict(full, FULL_TARGET)}",
            flush=True,
        )
        if log.state not in ("done", "warning", "partial") or not mirrored:
            print(f"  the sync did not import the package: {log.message}", flush=True)
            return
        sample = os.environ.get("MEDCRM_BENCH_LOAD_ROWS", "10000")
        sample = len(mirrored) if sample == "all" else min(int(sample), len(mirrored))
        load_sample = timed_load(env, LOAD_FIELDS, rows_of(mirrored[:sample]))
        load_full = load_sample * len(mirrored) / sample
        scaled = "" if sample == len(mirrored) else f" (measured on {sample} rows, scaled to {len(mirrored)})"
        print(
            f"  standard load() of the same rows: {load_full:.1f} s{scaled}; load/bridge = {load_full / full:.2f}",
            flush=True,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rows_of(templates):
    out = []
    for t in templates:
        out.append(
            [
                t.name,
                t.default_code or "",
                str(t.categ_id.id),
                str(t.uom_id.id),
                str(t.uom_po_id.id),
                str(t.list_price),
                t.medcrm_1c_code or "",
                t.medcrm_1c_full_name or "",
                str(t.medcrm_1c_stock_qty),
                t.medcrm_registry_code or "",
                str(t.medcrm_registry_date or ""),
                str(t.medcrm_registry_valid_until or ""),
                str(t.medcrm_manufacturer_id.id or ""),
                "1" if t.medcrm_own_production else "0",
                str(t.medcrm_analogue_group_id.id or ""),
            ]
        )
    return out


def timed_load(env, fields, rows):
    """Seconds ``product.template.load()`` takes for ``rows``, rolled back afterwards."""
    model = env["product.template"].with_context(tracking_disable=True)
    started = time.monotonic()
    with contextlib.suppress(_Rollback), env.cr.savepoint():
        result = model.load(fields, rows)
        env.flush_all()
        errors = [m for m in result["messages"] if m.get("type") == "error"]
        if errors:
            raise SystemExit(f"load() failed: {errors[:3]}")
        took = time.monotonic() - started
        raise _Rollback
    env.invalidate_all()
    return took


def verdict(seconds, target):
    return "OK" if seconds <= target else "OVER TARGET"


def main():
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", os.environ["MEDCRM_RUNTIME_CONF"], "--log-level=warn"])
    db = config["db_name"]
    if os.environ.get("MEDCRM_BENCH_CML_ONLY") == "1":
        registry = odoo.modules.registry.Registry(db)
        with registry.cursor() as cr:
            bench_commerceml(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}))
        return 0
    started = time.monotonic()
    proc, url = start_emulator()
    print(f"emulator: {PRODUCTS} products ready in {time.monotonic() - started:.1f} s ({url})", flush=True)
    try:
        registry = odoo.modules.registry.Registry(db)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            connection = env["medcrm.1c.connection"].create(
                {"name": "bench", "url": f"{url}/medcrm", "username": "odata", "password": "odata", "page_size": 5000}
            )
            cr.commit()

            # --- full sync ---------------------------------------------------------------------------
            t0 = time.monotonic()
            log = connection._medcrm_1c_sync_products(full=True)
            cr.commit()
            full = time.monotonic() - t0
            assert log.state == "done", log.message
            assert log.count_created == PRODUCTS, (log.count_created, PRODUCTS)
            mirrored = env["product.template"].search([("medcrm_1c_guid", "!=", False)])
            sample = os.environ.get("MEDCRM_BENCH_LOAD_ROWS", "10000")
            sample = len(mirrored) if sample == "all" else min(int(sample), len(mirrored))
            load_sample = timed_load(env, LOAD_FIELDS, rows_of(mirrored[:sample]))
            load_full = load_sample * len(mirrored) / sample
            scaled = "" if sample == len(mirrored) else f" (measured on {sample} rows, scaled to {len(mirrored)})"
            print(
                f"full sync, {PRODUCTS} products from the emulator: {full:.1f} s "
                f"({PRODUCTS / full:.0f} products/s, {log.count_requests} HTTP requests) — "
                f"target ≤ {FULL_TARGET:.0f} s: {verdict(full, FULL_TARGET)}",
                flush=True,
            )
            print(
                f"  standard load() of the same rows: {load_full:.1f} s{scaled}; "
                f"the bridge is {load_full / full:.1f}× faster (load/bridge = {load_full / full:.2f})",
                flush=True,
            )

            # --- idempotent resync ---------------------------------------------------------------------
            t0 = time.monotonic()
            again = connection._medcrm_1c_sync_products(full=True)
            cr.commit()
            print(
                f"full resync, nothing changed: {time.monotonic() - t0:.1f} s "
                f"(created {again.count_created}, updated {again.count_updated}, unchanged {again.count_unchanged})",
                flush=True,
            )

            # --- incremental sync with 1 % changed -------------------------------------------------------
            count = round(PRODUCTS * CHANGED_PERCENT / 100)
            changed = admin(url, "products/mutate", count=count)["changed"]
            t0 = time.monotonic()
            log = connection._medcrm_1c_sync_products()
            cr.commit()
            incremental = time.monotonic() - t0
            assert log.state == "done" and log.count_updated == count, (log.state, log.count_updated, log.message)
            updated = env["product.template"].search([("medcrm_1c_guid", "in", changed)])
            load_incr = timed_load(
                env, ["id", *LOAD_FIELDS], [[str(t.id), *row] for t, row in zip(updated, rows_of(updated), strict=True)]
            )
            print(
                f"incremental sync, {count} of {PRODUCTS} changed ({CHANGED_PERCENT:g} %): {incremental:.2f} s "
                f"({log.count_requests} HTTP requests) — target ≤ {INCREMENTAL_TARGET:.0f} s: "
                f"{verdict(incremental, INCREMENTAL_TARGET)}",
                flush=True,
            )
            print(
                f"  standard load() updating the same {count} rows: {load_incr:.2f} s; "
                f"the bridge is {load_incr / incremental:.1f}× faster (load/bridge = {load_incr / incremental:.2f}) "
                "— the bridge's time includes reading from 1C",
                flush=True,
            )

            if os.environ.get("MEDCRM_BENCH_CML") == "1":
                bench_commerceml(env)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
