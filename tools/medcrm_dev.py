#!/usr/bin/env python3
"""MedCRM developer environment: one script behind `make run`, `make test`, `make bench`.

Standard library only, so that it runs before any virtual environment exists.

State lives outside the checkout, in ``$MEDCRM_HOME`` (default ``~/.cache/medcrm``), so that a fresh
clone on the same machine reuses the Python environment, the Odoo source and the PostgreSQL cluster:

- ``odoo-18.0/``      the Odoo source, copied once from ``ODOO_SRC`` (a directory or a tarball);
- ``venv-py3.X/``     the Python environment (Odoo's requirements + ours), re-installed only when a
                      requirements file changes;
- ``data/``           Odoo's data directory (filestores, sessions);
- ``odoo-runtime-*.conf`` the project's ``odoo.conf`` completed with the database and addons paths.

PostgreSQL: the server named by ``odoo.conf`` or the ``PG*`` variables is used when it answers;
otherwise a private cluster is created with ``initdb`` and started on 127.0.0.1 (as root it runs as
the ``postgres`` user, as PostgreSQL requires).
"""

import argparse
import configparser
import contextlib
import hashlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS_DIR = ROOT / "addons"
MEDCRM_ADDONS = ("medcrm_needs", "medcrm_leads", "medcrm_1c_bridge", "medcrm_reports", "medcrm_registry")
ODOO_SERIES = "18.0"
DEFAULT_ODOO_SRC = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
# Odoo pins python-ldap, which needs LDAP/SASL system headers; MedCRM does not use LDAP.
SKIPPED_ODOO_REQUIREMENTS = ("python-ldap",)
# Build time and run time want different setuptools. tools/constraints.txt caps it (<70) for the build
# environments of Odoo's old pinned sdists; pip applies PIP_CONSTRAINT to the venv itself as well, which thus
# kept the setuptools that `python -m venv` bundles (65.5 on Python 3.11). At run time the websocket
# process (`odoo-bin gevent`, prefork mode) needs setuptools' pkg_resources: gevent 22.10 loads its plugins
# through it, and pkg_resources before 75.8.2 does not find distributions whose metadata folder has the
# normalized name (zope_interface-8.7.dist-info): DistributionNotFound, and Odoo respawns the process in a
# loop. From 80.9 importing pkg_resources prints a UserWarning at every start, and 82 removed it. So the
# requirements are installed with the build constraint, then this setuptools without it (checked below).
RUNTIME_SETUPTOOLS = "setuptools==80.8.0"
PRIVATE_PG_PORT = int(os.environ.get("MEDCRM_PG_PORT", "54329"))
PRIVATE_PG_USER = "odoo"
DB_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}")
INSTALL_FAILURE_MARKERS = re.compile(r" (ERROR|CRITICAL) |failed to install|Traceback \(most recent call last\)")


class SetupError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""


def log(msg):
    print(f"[medcrm] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------


def medcrm_home():
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "medcrm"
    return Path(os.environ.get("MEDCRM_HOME") or default)


def odoo_src_dir():
    return medcrm_home() / f"odoo-{ODOO_SERIES}"


def venv_dir():
    return medcrm_home() / f"venv-py{sys.version_info[0]}.{sys.version_info[1]}"


def venv_python():
    return venv_dir() / "bin" / "python"


def checkout_id():
    """Short stable id of this checkout (several clones or worktrees share one cache)."""
    return hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]


# Which command writes the runtime config: `run`, `test` and `bench` each get their own file, so a
# test run never rewrites the config of a server started by `make run` from the same checkout.
RUNTIME_ROLE = "run"


def runtime_conf():
    # One per checkout and command: several clones or worktrees may share the cache and run side by side.
    return medcrm_home() / f"odoo-runtime-{checkout_id()}-{RUNTIME_ROLE}.conf"


def free_port():
    """A TCP port nobody listens on now (tests serve HTTP there, beside a `make run` on 8069)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_pgdata():
    if os.environ.get("MEDCRM_PGDATA"):
        return Path(os.environ["MEDCRM_PGDATA"])
    if os.geteuid() == 0:
        # The postgres user must reach the directory: not under /root.
        return Path("/var/lib/postgresql/medcrm-15")
    return medcrm_home() / "pgdata"


# ---------------------------------------------------------------------------------------------
# Odoo source
# ---------------------------------------------------------------------------------------------


def _odoo_version(src):
    release = src / "odoo" / "release.py"
    if not release.exists():
        return None
    ns = {}
    exec(compile(release.read_text(), str(release), "exec"), ns)  # noqa: S102 - Odoo's own file
    return ns.get("serie") or ns.get("series")


def _unpack_tarball(tarball, dest):
    log(f"unpacking Odoo source from {tarball}")
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp, tarfile.open(tarball) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(tmp, filter="data")  # refuses absolute paths, links out of the tree, devices
        else:
            tar.extractall(tmp)  # noqa: S202 - Python < 3.10.12 has no filter; the tarball is the user's
        entries = list(Path(tmp).iterdir())
        top = entries[0] if len(entries) == 1 and entries[0].is_dir() else Path(tmp)
        if not (top / "odoo-bin").exists():
            raise SetupError(f"ODOO_SRC tarball {tarball} does not contain an Odoo source tree (no odoo-bin)")
        shutil.move(str(top), str(dest))


def ensure_odoo_source():
    """Copy the Odoo source into the cache once; return its directory."""
    dest = odoo_src_dir()
    origin_file = medcrm_home() / "odoo-src.origin"
    given = os.environ.get("ODOO_SRC", "").strip()
    if dest.exists() and (not given or origin_file.exists() and origin_file.read_text() == given):
        return dest
    if dest.exists() and given:
        log(f"ODOO_SRC changed ({given}); replacing the cached Odoo source")
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = given or DEFAULT_ODOO_SRC
    if source.startswith(("http://", "https://")):
        target = medcrm_home() / "odoo-src.tar.gz"
        log(f"downloading Odoo {ODOO_SERIES} source from {source}")
        try:
            with urllib.request.urlopen(source, timeout=60) as resp, open(target, "wb") as out:  # noqa: S310
                shutil.copyfileobj(resp, out)
        except (urllib.error.URLError, OSError) as exc:
            raise SetupError(
                f"no Odoo source: set ODOO_SRC to an Odoo {ODOO_SERIES} source directory or tarball "
                f"(downloading {source} failed: {exc})"
            ) from exc
        _unpack_tarball(target, dest)
        target.unlink()
    else:
        path = Path(source).expanduser().resolve()
        if path.is_dir():
            if not (path / "odoo-bin").exists():
                raise SetupError(f"ODOO_SRC={path} is not an Odoo source tree (no odoo-bin in it)")
            log(f"copying Odoo source from {path} (once)")
            shutil.copytree(path, dest, ignore=shutil.ignore_patterns(".git", "doc", "debian"), symlinks=True)
        elif path.is_file():
            _unpack_tarball(path, dest)
        else:
            raise SetupError(f"ODOO_SRC={source} does not exist")
    version = _odoo_version(dest)
    if version != ODOO_SERIES:
        shutil.rmtree(dest)
        raise SetupError(f"ODOO_SRC is Odoo {version}, MedCRM needs Odoo {ODOO_SERIES}")
    origin_file.write_text(given)
    return dest


# ---------------------------------------------------------------------------------------------
# Python environment
# ---------------------------------------------------------------------------------------------


def _filtered_odoo_requirements(src):
    lines = []
    for line in (src / "requirements.txt").read_text().splitlines():
        name = line.split(";")[0].split("=")[0].split("<")[0].split(">")[0].strip().lower()
        if name in SKIPPED_ODOO_REQUIREMENTS:
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def _runtime_setuptools_ok(venv):
    """The run-time setuptools is the one we chose (an install run with the build constraint alone, e.g. from an
    older checkout sharing this environment, downgrades it: the environment is then repaired)."""
    wanted = RUNTIME_SETUPTOOLS.split("==", 1)[1]
    return any(venv.glob(f"lib/python3*/site-packages/setuptools-{wanted}.dist-info"))


def ensure_venv():
    if sys.version_info < (3, 10):  # noqa: UP036 - a clear message on an old interpreter
        raise SetupError(f"Python 3.10+ is needed, this is {sys.version.split()[0]}")
    src = ensure_odoo_source()
    venv = venv_dir()
    odoo_reqs = _filtered_odoo_requirements(src)
    our_reqs = (ROOT / "requirements.txt").read_text()
    constraints = (ROOT / "tools" / "constraints.txt").read_text()
    digest = hashlib.sha256((odoo_reqs + our_reqs + constraints + RUNTIME_SETUPTOOLS + str(src)).encode()).hexdigest()
    stamp = venv / ".medcrm-requirements"
    if stamp.exists() and stamp.read_text() == digest and venv_python().exists() and _runtime_setuptools_ok(venv):
        return
    if not venv_python().exists():
        log(f"creating Python environment in {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    log("installing Python requirements (Odoo's and MedCRM's); this happens once per change")
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "odoo-requirements.txt"
        req.write_text(odoo_reqs)
        env = dict(
            os.environ, PIP_CONSTRAINT=str(ROOT / "tools" / "constraints.txt"), PIP_DISABLE_PIP_VERSION_CHECK="1"
        )
        result = subprocess.run(
            [
                str(venv_python()),
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                str(req),
                "-r",
                str(ROOT / "requirements.txt"),
            ],
            env=env,
        )
    if result.returncode:
        raise SetupError("pip could not install the requirements (see the messages above)")
    # The run-time setuptools, without the build constraint (see RUNTIME_SETUPTOOLS).
    env = {k: v for k, v in os.environ.items() if k != "PIP_CONSTRAINT"}
    result = subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "--quiet", RUNTIME_SETUPTOOLS],
        env=dict(env, PIP_DISABLE_PIP_VERSION_CHECK="1"),
    )
    if result.returncode:
        raise SetupError(f"pip could not install {RUNTIME_SETUPTOOLS} (see the messages above)")
    check_evented_runtime()
    # Odoo runs from its source directory: a .pth file makes `import odoo` work in the venv.
    site = subprocess.run(
        [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "medcrm-odoo-src.pth").write_text(str(src) + "\n")
    stamp.write_text(digest)


def check_evented_runtime():
    """The websocket process of prefork mode starts: gevent patches the interpreter, silently."""
    result = subprocess.run(
        [str(venv_python()), "-c", "import gevent.monkey; gevent.monkey.patch_all()"],
        capture_output=True,
        text=True,
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode or output:
        raise SetupError(
            "the Python environment cannot run Odoo's websocket process (odoo-bin gevent): "
            + (output.splitlines() or ["exit code %s" % result.returncode])[-1]
        )


# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------


def _project_conf():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "odoo.conf")
    return dict(parser["options"]) if parser.has_section("options") else {}


def _conf_value(conf, key):
    value = conf.get(key)
    return None if value in (None, "", "False", "None") else value


def _configured_pg():
    """Connection parameters given by odoo.conf or PG* variables, or None when none are given."""
    conf = _project_conf()
    params = {
        "host": os.environ.get("PGHOST") or _conf_value(conf, "db_host"),
        "port": os.environ.get("PGPORT") or _conf_value(conf, "db_port"),
        "user": os.environ.get("PGUSER") or _conf_value(conf, "db_user"),
        "password": os.environ.get("PGPASSWORD") or _conf_value(conf, "db_password"),
    }
    return params if any(params.values()) else None


def _pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _psql_env(params):
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if params.get(key):
            env[var] = str(params[key])
    return env


def _pg_answers(params):
    psql = _pg_bin("psql")
    if not psql:
        return False
    result = subprocess.run(
        [psql, "-d", "postgres", "-tAc", "select 1"], env=_psql_env(params), capture_output=True, text=True, timeout=20
    )
    return result.returncode == 0


def _run_as_postgres(cmd, **kwargs):
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")

        def demote():
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)

        kwargs.setdefault("cwd", "/")
        return subprocess.run(cmd, preexec_fn=demote, **kwargs)  # noqa: PLW1509
    return subprocess.run(cmd, **kwargs)


def ensure_postgres():
    """Return connection parameters of a running PostgreSQL server, starting a private one if needed."""
    configured = _configured_pg()
    if configured:
        if _pg_answers(configured):
            return configured
        log(
            f"PostgreSQL given by odoo.conf/PG* variables does not answer ({configured.get('host')}:"
            f"{configured.get('port')}); using a private cluster"
        )
    params = {"host": "127.0.0.1", "port": str(PRIVATE_PG_PORT), "user": PRIVATE_PG_USER, "password": None}
    if _pg_answers(params):
        return params
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl or not _pg_bin("psql"):
        raise SetupError(
            "PostgreSQL server binaries (initdb, pg_ctl, psql) not found: "
            "install them (Debian: apt-get install postgresql)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise SetupError("running as root but there is no 'postgres' user to run PostgreSQL") from exc
    pgdata = private_pgdata()
    if not (pgdata / "PG_VERSION").exists():
        log(f"creating a private PostgreSQL cluster in {pgdata}")
        pgdata.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(pgdata, "postgres", "postgres")
        pgdata.chmod(0o700)
        _run_as_postgres(
            [initdb, "-D", str(pgdata), "-U", PRIVATE_PG_USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            capture_output=True,
        )
        with open(pgdata / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# MedCRM private cluster\n"
                f"listen_addresses = '127.0.0.1'\nport = {PRIVATE_PG_PORT}\n"
                f"unix_socket_directories = '{pgdata}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "shared_buffers = 1GB\nwork_mem = 32MB\nmaintenance_work_mem = 512MB\n"
                "max_connections = 200\n"
            )
    log(f"starting PostgreSQL on 127.0.0.1:{PRIVATE_PG_PORT}")
    result = _run_as_postgres(
        [pg_ctl, "-D", str(pgdata), "-l", str(pgdata / "server.log"), "-w", "-t", "60", "start"],
        capture_output=True,
        text=True,
    )
    if result.returncode and not _pg_answers(params):
        raise SetupError(
            f"PostgreSQL did not start: {result.stderr.strip() or result.stdout.strip()} (log: {pgdata / 'server.log'})"
        )
    return params


def psql(params, sql, db="postgres"):
    result = subprocess.run(
        [_pg_bin("psql"), "-d", db, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        env=_psql_env(params),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SetupError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def check_database_name(name):
    """Database names go into SQL and command lines: letters, digits, '_' and '-' only."""
    if not DB_NAME.fullmatch(name or ""):
        raise SetupError(f"invalid database name {name!r}: use letters, digits, '_' or '-'")
    return name


def database_exists(params, name):
    check_database_name(name)
    return psql(params, f"select 1 from pg_database where datname = '{name}'") == "1"  # noqa: S608


def database_odoo_version(params, name):
    """Odoo series that created the database, None when it has no Odoo in it."""
    has_table = psql(params, "select to_regclass('public.ir_module_module') is not null", db=name)
    if has_table != "t":
        return None
    version = psql(params, "select latest_version from ir_module_module where name = 'base'", db=name)
    return ".".join(version.split(".")[:2]) if version else None


def drop_database(params, name):
    check_database_name(name)
    psql(params, f'drop database if exists "{name}" with (force)')
    shutil.rmtree(medcrm_home() / "data" / "filestore" / name, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Odoo configuration and commands
# ---------------------------------------------------------------------------------------------


def write_runtime_conf(params, db_name=None, http_port=None, workers=None):
    """odoo.conf of the project, completed with what only this machine knows."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "odoo.conf")
    options = parser["options"]
    src = odoo_src_dir()
    options["addons_path"] = ",".join([str(ADDONS_DIR), str(src / "addons"), str(src / "odoo" / "addons")])
    options["data_dir"] = str(medcrm_home() / "data")
    options["db_host"] = params.get("host") or "False"
    options["db_port"] = str(params.get("port") or "False")
    options["db_user"] = params.get("user") or "False"
    options["db_password"] = params.get("password") or "False"
    if db_name:
        options["db_name"] = db_name
    if http_port:
        options["http_port"] = str(http_port)
    if workers is not None:
        options["workers"] = str(workers)
    with open(runtime_conf(), "w") as out:
        parser.write(out)
    return runtime_conf()


def odoo_cmd(*args):
    return [str(venv_python()), str(odoo_src_dir() / "odoo-bin"), "-c", str(runtime_conf()), *args]


def install_database(params, name, demo=True):
    """Create database `name` with the MedCRM addons, Russian loaded and active."""
    log(f"creating database {name} with {', '.join(MEDCRM_ADDONS)} (demo data: {'yes' if demo else 'no'})")
    args = [
        "-d",
        name,
        "-i",
        ",".join(MEDCRM_ADDONS),
        "--load-language=ru_RU",
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
    ]
    if not demo:
        args.append("--without-demo=all")
    started = time.monotonic()
    # Odoo exits 0 even when a module's data or demo data failed to load: read its log as well.
    problems = []
    with subprocess.Popen(
        odoo_cmd(*args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as proc:
        for line in proc.stdout:
            sys.stderr.write(line)
            if INSTALL_FAILURE_MARKERS.search(line):
                problems.append(line.strip())
    if proc.returncode or problems:
        raise SetupError(
            f"installing the addons into {name} failed: {problems[0] if problems else 'see the log above'}"
        )
    installed = psql(
        params,
        "select count(*) from ir_module_module where state = 'installed' and name in (%s)"  # noqa: S608
        % ",".join(f"'{m}'" for m in MEDCRM_ADDONS),
        db=name,
    )
    if installed != str(len(MEDCRM_ADDONS)):
        raise SetupError(f"only {installed} of the {len(MEDCRM_ADDONS)} MedCRM addons got installed into {name}")
    log(f"database {name} ready in {time.monotonic() - started:.0f}s")


def update_database(name):
    """Update the MedCRM addons of an existing database (fast iteration during development)."""
    log(f"updating {', '.join(MEDCRM_ADDONS)} in {name}")
    result = subprocess.run(
        odoo_cmd("-d", name, "-u", ",".join(MEDCRM_ADDONS), "--stop-after-init", "--no-http", "--log-level=warn"),
        cwd=ROOT,
    )
    if result.returncode:
        raise SetupError(f"updating the addons in {name} failed (see the log above)")


def port_taken(port, host="127.0.0.1"):
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


# Programs Odoo calls that are not Python packages: wkhtmltopdf renders every QWeb PDF (the need, the
# list of needs, the КП). Installed with the system's package manager when we may; otherwise a warning.
SYSTEM_PROGRAMS = {"wkhtmltopdf": "wkhtmltopdf"}


def ensure_system_programs():
    missing = [pkg for prog, pkg in SYSTEM_PROGRAMS.items() if not shutil.which(prog)]
    if not missing:
        return
    apt = shutil.which("apt-get")
    if os.geteuid() != 0 or not apt:
        log(f"missing {', '.join(missing)} (PDF reports will not render): install them with the system's packages")
        return
    log(f"installing {', '.join(missing)} with apt-get (once)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    result = subprocess.run([apt, "install", "-y", "-q", "--no-install-recommends", *missing], env=env)
    if result.returncode:
        subprocess.run([apt, "update", "-q"], env=env)
        result = subprocess.run([apt, "install", "-y", "-q", "--no-install-recommends", *missing], env=env)
    if result.returncode:
        log(f"could not install {', '.join(missing)}: PDF reports will not render")


def prepare():
    ensure_venv()
    ensure_system_programs()
    params = ensure_postgres()
    return params


def cmd_setup(_args):
    prepare()
    log(f"environment ready: {venv_dir()}")


def cmd_run(args):
    params = prepare()
    name = args.database
    conf = _project_conf()
    port = int(conf.get("http_port", 8069))
    if port_taken(port):
        raise SetupError(f"port {port} is taken: stop what listens there or set http_port in odoo.conf")
    workers = args.workers if args.workers is not None else int(conf.get("workers") or 0)
    if workers < 0:
        raise SetupError(f"WORKERS={workers}: give 0 (one process, threads) or the number of HTTP workers")
    # Prefork (workers > 0): HTTP workers, the cron in its own process(es) (max_cron_threads) and the
    # websocket process (`odoo-bin gevent`) that serves the bus on gevent_port.
    gevent_port = int(conf.get("gevent_port") or 8072)
    if workers and port_taken(gevent_port):
        raise SetupError(
            f"port {gevent_port} (websocket) is taken: stop what listens there or set gevent_port in odoo.conf"
        )
    write_runtime_conf(params, name, workers=args.workers)
    if database_exists(params, name):
        version = database_odoo_version(params, name)
        if version and version != ODOO_SERIES:
            raise SetupError(
                f"database {name} was created by Odoo {version}, this is Odoo {ODOO_SERIES}: "
                f"drop it (dropdb {name}) or choose another with DB={name}_18"
            )
        if version is None:
            raise SetupError(f"database {name} exists but holds no Odoo: drop it or choose another name")
    else:
        install_database(params, name, demo=True)
    extra = list(args.odoo_args or [])
    for hook in sorted((ROOT / "tools" / "run.d").glob("*.py")) if (ROOT / "tools" / "run.d").exists() else []:
        # Hooks (e.g. the 1C emulator) prepare companions of the server before it starts.
        subprocess.run([str(venv_python()), str(hook), str(runtime_conf()), name], check=True, cwd=ROOT)
    mode = (
        f"{workers} HTTP workers, cron in its own process, websocket on port {gevent_port}"
        if workers
        else "one process"
    )
    log(f"starting Odoo on http://localhost:{port} ({mode}; database {name}, login admin/admin)")
    # Replace this process by Odoo, so that Ctrl-C and signals reach the server itself.
    os.execv(str(venv_python()), odoo_cmd("-d", name, "--db-filter", f"^{name}$", *extra))  # noqa: S606


def cmd_test(args):
    params = prepare()
    name = args.database or f"medcrm_test_{os.getpid()}"
    write_runtime_conf(params, name, http_port=free_port())
    try:
        if args.update and database_exists(params, name):
            update_database(name)
        else:
            drop_database(params, name)
            install_database(params, name, demo=True)
        targets = args.paths or [
            *(str(p) for p in sorted(ADDONS_DIR.glob("*/tests"))),
            str(ROOT / "emulator_1c" / "tests"),
            str(ROOT / "tests"),
        ]
        env = dict(os.environ, MEDCRM_TEST_DB=name, MEDCRM_HOME=str(medcrm_home()))
        cmd = [
            str(venv_python()),
            "-m",
            "pytest",
            f"--odoo-config={runtime_conf()}",
            f"--odoo-database={name}",
            "--odoo-http",
            "-p",
            "no:cacheprovider",
            *targets,
        ]
        if args.keyword:
            cmd += ["-k", args.keyword]
        log("running: " + " ".join(cmd[2:]))
        result = subprocess.run(cmd, cwd=ROOT, env=env)
        return result.returncode
    finally:
        if not args.keep:
            drop_database(params, name)


def cmd_lint(_args):
    ensure_venv()
    bindir = venv_dir() / "bin"
    rc = subprocess.run([str(bindir / "ruff"), "check", "addons", "tests", "tools"], cwd=ROOT).returncode
    rc |= subprocess.run([str(bindir / "ruff"), "format", "--check", "addons", "tests", "tools"], cwd=ROOT).returncode
    addons = [str(p) for p in sorted(ADDONS_DIR.iterdir()) if (p / "__manifest__.py").exists()]
    # Maintainers list and website checks are OCA publication rules, not ours.
    not_ours = "manifest-maintainers-list,website-manifest-key-not-valid-uri"
    pylint = [str(bindir / "pylint"), "--rcfile", str(ROOT / ".pylintrc"), f"--disable={not_ours}"]
    rc |= subprocess.run([*pylint, *addons], cwd=ROOT).returncode
    return rc


def cmd_python(args):
    """Run a project script with the venv's Python, the runtime config and a database (for benchmarks)."""
    params = prepare()
    write_runtime_conf(params, args.database)
    env = dict(os.environ, MEDCRM_RUNTIME_CONF=str(runtime_conf()), MEDCRM_HOME=str(medcrm_home()))
    return subprocess.run([str(venv_python()), *args.script], cwd=ROOT, env=env).returncode


def copy_database(params, template, name):
    """A copy of ``template`` (database and filestore) named ``name``."""
    check_database_name(template)
    check_database_name(name)
    drop_database(params, name)
    psql(params, f'create database "{name}" with template "{template}"')
    filestore = medcrm_home() / "data" / "filestore"
    if (filestore / template).is_dir():
        shutil.copytree(filestore / template, filestore / name)


def cmd_bench(args):
    """Fresh database with the addons (no demo); every bench/bench_*.py runs on its own copy of it.

    Each script gets a database of its own, so no benchmark sees (or trips over) what another one wrote.
    """
    params = prepare()
    name = args.database
    scripts = [Path(p) for p in args.scripts] or sorted((ROOT / "bench").glob("bench_*.py"))
    if not scripts:
        raise SetupError("no benchmark found in bench/")
    copy_name = f"{name}_run"
    rc = 0
    try:
        drop_database(params, name)
        write_runtime_conf(params, name)
        install_database(params, name, demo=False)
        env = dict(os.environ, MEDCRM_RUNTIME_CONF=str(runtime_conf()), MEDCRM_HOME=str(medcrm_home()))
        for script in scripts:
            print(f"\n=== {script.name} ===", flush=True)
            target = name
            if len(scripts) > 1:
                copy_database(params, name, copy_name)
                target = copy_name
            write_runtime_conf(params, target)
            result = subprocess.run([str(venv_python()), str(script)], cwd=ROOT, env=env).returncode
            if result:
                print(f"=== {script.name} failed (exit code {result}) ===", flush=True)
            rc |= result
    finally:
        drop_database(params, copy_name)
        if not args.keep:
            drop_database(params, name)
    return rc


def main(argv=None):
    parser = argparse.ArgumentParser(prog="medcrm_dev", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="install the Python environment and start PostgreSQL")
    run = sub.add_parser("run", help="create the demo database if missing and start Odoo")
    run.add_argument("--database", default=os.environ.get("DB", "medcrm"))
    run.add_argument(
        "--workers",
        type=int,
        help="prefork mode with N HTTP workers (make run WORKERS=N; default: workers of odoo.conf)",
    )
    run.add_argument("odoo_args", nargs="*")
    test = sub.add_parser("test", help="install into a throwaway database and run pytest-odoo")
    test.add_argument("--database")
    test.add_argument("--keep", action="store_true", help="keep the database afterwards")
    test.add_argument(
        "--update",
        action="store_true",
        help="with --database: update the addons of an existing database instead of reinstalling",
    )
    test.add_argument("-k", dest="keyword")
    test.add_argument("paths", nargs="*")
    sub.add_parser("lint", help="ruff and pylint-odoo")
    py = sub.add_parser("python", help="run a script with the project's Python environment")
    py.add_argument("--database", default=os.environ.get("DB", "medcrm_bench"))
    py.add_argument("script", nargs=argparse.REMAINDER)
    bench = sub.add_parser("bench", help="run the benchmarks on a fresh database, printing figures")
    # One bench database per checkout: benchmarks of two worktrees never drop each other's database.
    bench.add_argument("--database", default=f"medcrm_bench_{checkout_id()}")
    bench.add_argument("--keep", action="store_true")
    bench.add_argument("scripts", nargs="*")
    args = parser.parse_args(argv)
    global RUNTIME_ROLE  # noqa: PLW0603 - one command per process
    RUNTIME_ROLE = args.command if args.command in ("test", "bench", "python") else "run"
    handlers = {
        "setup": cmd_setup,
        "run": cmd_run,
        "test": cmd_test,
        "lint": cmd_lint,
        "python": cmd_python,
        "bench": cmd_bench,
    }
    try:
        return handlers[args.command](args) or 0
    except SetupError as exc:
        print(f"medcrm: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
