"""Command line: `python -m emulator_1c [serve] --port 18080 ...` or `python -m emulator_1c write-cml DIR ...`."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import threading
import time

from .commerceml import LAYOUTS, VERSIONS, CmlSource, write_package
from .schema import PROFILES
from .seed import SEED_DATE, build_reference, iter_products


def serve_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m emulator_1c", description="Emulated 1C:Enterprise 8 publication "
                                "(OData, HTTP service, SOAP web service, CommerceML) for MedCRM tests.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=18080, help="port (default 18080; 0 = any free port)")
    p.add_argument("--base", default="medcrm", help="publication name: URLs start with /<base>/ (default medcrm)")
    p.add_argument("--user", default="odata", help="HTTP Basic user (default odata)")
    p.add_argument("--password", default="odata", help="HTTP Basic password (default odata)")
    p.add_argument("--products", type=int, default=1000, help="seeded products (default 1000)")
    p.add_argument("--seed", type=int, default=42, help="seed of all generated data (default 42)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ut11", help="configuration to emulate")
    p.add_argument("--data-dir", default=None, help="persist state here (journal on top of the seed)")
    p.add_argument("--faults", default="", help="fault spec, e.g. 'latency_ms=200,error500=0.1,seed=7,next=drop:2'")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.add_argument("--watch-pid", type=int, default=0,
                   help="stop when this process ends (`make run` passes the PID that becomes Odoo's)")
    p.add_argument("--pid-file", default=None, help="write the emulator's PID here while it runs")
    return p


def cml_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m emulator_1c write-cml", description="Write a CommerceML exchange "
                                "(import, offers, and for split versions prices and rests files) for the seeded "
                                "catalogue without starting a server.")
    p.add_argument("directory")
    p.add_argument("--products", type=int, default=1000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--profile", choices=sorted(PROFILES), default="ut11")
    p.add_argument("--version", default="2.05", choices=VERSIONS,
                   help="CommerceML schema version (default 2.05; 2.10 uses urn:1C.ru:commerceml_210 and split files)")
    p.add_argument("--characteristics", type=float, default=0.0,
                   help="share of products sold by characteristics, 0..1 (e.g. 0.3)")
    p.add_argument("--split", choices=["auto", "yes", "no"], default="auto",
                   help="prices and rests in their own files (auto: from 2.10; possible from 2.08)")
    p.add_argument("--layout", choices=LAYOUTS, default="plain",
                   help="plain: import.xml, offers.xml…; http: numbered parts import0_1.xml…; "
                        "webdata: webdata/000000001/goods/1/import___<guid>.xml…")
    p.add_argument("--part-size", type=int, default=0, help="products per numbered part (0: one part)")
    p.add_argument("--zip", default=None, help="also pack the files into this zip")
    return p


def write_cml(argv: list[str]) -> int:
    args = cml_parser().parse_args(argv)
    profile = PROFILES[args.profile]
    ref = build_reference(args.seed, profile)
    started = time.time()

    # One pass over a generator: the same seed yields the same products, none are kept in memory.
    source = CmlSource(ref, profile, ref.group_records, iter_products(ref, profile, args.products),
                       version=args.version, generated=SEED_DATE.isoformat(), characteristics=args.characteristics,
                       split={"auto": None, "yes": True, "no": False}[args.split])
    sizes = write_package(args.directory, source, layout=args.layout, part_size=args.part_size, zip_path=args.zip)
    took = time.time() - started
    for name, size in sizes.items():
        print(f"{args.directory}/{name}: {size} bytes")
    if args.zip:
        print(f"{args.zip}: {os.path.getsize(args.zip)} bytes")
    print(f"{args.products} products in {took:.1f} s")
    return 0


def serve(argv: list[str]) -> int:
    from .server import Config, EmulatorServer

    args = serve_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s")
    config = Config(host=args.host, port=args.port, base=args.base, user=args.user, password=args.password,
                    products=args.products, seed=args.seed, profile=args.profile, data_dir=args.data_dir,
                    faults=args.faults, verbose=args.verbose)
    started = time.time()
    server = EmulatorServer(config)
    # The seeded base lives as long as the process: out of the collector's sight, it is not walked again on
    # every collection (building a register table of 200,000 rows would take twice as long).
    gc.freeze()
    root = f"{server.url}/{config.base}"
    print(f"1C emulator ({config.profile}, {server.emulator.store.stats()['products']} products, seed {config.seed}) "
          f"ready in {time.time() - started:.1f} s", flush=True)
    print(f"  OData:     {root}/odata/standard.odata/  (user {config.user})", flush=True)
    print(f"  changes:   {root}/hs/medcrm/changes?since=0", flush=True)
    print(f"  SOAP WSDL: {root}/ws/medcrm_exchange.1cws?wsdl", flush=True)
    print(f"  CML:       {root}/cml/import.xml  {root}/cml/offers.xml  (…?version=2.10&characteristics=0.3: "
          "prices.xml, rests.xml, package.zip)", flush=True)
    print(f"  admin:     {server.url}/_emulator/stats", flush=True)
    if args.pid_file:
        with open(args.pid_file, "w", encoding="ascii") as fh:
            fh.write(str(os.getpid()))
    if args.watch_pid:
        threading.Thread(target=_watch, args=(args.watch_pid, server), name="watch-pid", daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if args.pid_file and os.path.exists(args.pid_file):
            os.unlink(args.pid_file)
    return 0


def _watch(pid: int, server) -> None:
    """Shut the server down once the watched process is gone (Odoo stopped, however it stopped)."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        except PermissionError:
            continue  # alive, owned by someone else
    print(f"process {pid} ended: stopping the 1C emulator", flush=True)
    server.httpd.shutdown()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["write-cml"]:
        return write_cml(argv[1:])
    if argv[:1] == ["serve"]:
        argv = argv[1:]
    return serve(argv)


if __name__ == "__main__":
    sys.exit(main())
