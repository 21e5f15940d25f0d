"""`make run` / `make test` fail with one clear line on a machine that lacks something."""

import importlib.util
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "medcrm_dev.py"


@pytest.fixture
def dev(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("medcrm_dev_under_test", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("MEDCRM_HOME", str(tmp_path / "home"))
    return module


def test_no_odoo_source_and_no_network(dev, monkeypatch):
    monkeypatch.delenv("ODOO_SRC", raising=False)
    monkeypatch.setattr(dev, "DEFAULT_ODOO_SRC", "http://127.0.0.1:9/odoo.tar.gz")  # nothing listens on 9
    with pytest.raises(dev.SetupError, match="no Odoo source: set ODOO_SRC"):
        dev.ensure_odoo_source()


def test_odoo_src_that_does_not_exist(dev, monkeypatch, tmp_path):
    monkeypatch.setenv("ODOO_SRC", str(tmp_path / "nowhere"))
    with pytest.raises(dev.SetupError, match="does not exist"):
        dev.ensure_odoo_source()


def test_odoo_src_directory_that_is_not_odoo(dev, monkeypatch, tmp_path):
    (tmp_path / "src").mkdir()
    monkeypatch.setenv("ODOO_SRC", str(tmp_path / "src"))
    with pytest.raises(dev.SetupError, match="not an Odoo source tree"):
        dev.ensure_odoo_source()


def test_odoo_src_tarball_of_another_version(dev, monkeypatch, tmp_path):
    tree = tmp_path / "odoo-17.0"
    (tree / "odoo").mkdir(parents=True)
    (tree / "odoo-bin").write_text("")
    (tree / "odoo" / "release.py").write_text("serie = '17.0'\n")
    tarball = tmp_path / "odoo-17.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(tree, arcname="odoo-17.0")
    monkeypatch.setenv("ODOO_SRC", str(tarball))
    with pytest.raises(dev.SetupError, match="Odoo 17.0, MedCRM needs Odoo 18.0"):
        dev.ensure_odoo_source()
    assert not dev.odoo_src_dir().exists(), "a wrong source must not stay in the cache"


def test_postgres_binaries_missing(dev, monkeypatch):
    monkeypatch.setattr(dev, "_configured_pg", lambda: None)
    monkeypatch.setattr(dev, "_pg_answers", lambda params: False)
    monkeypatch.setattr(dev, "_pg_bin", lambda name: None)
    with pytest.raises(dev.SetupError, match="PostgreSQL server binaries .* not found"):
        dev.ensure_postgres()


def test_port_taken_is_detected(dev):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert dev.port_taken(sock.getsockname()[1])


def test_run_refuses_port_taken(dev, monkeypatch, capsys):
    monkeypatch.setattr(dev, "prepare", dict)
    monkeypatch.setattr(dev, "port_taken", lambda port: True)
    assert dev.main(["run"]) == 2
    assert "port 8069 is taken" in capsys.readouterr().err


def test_run_refuses_database_of_another_odoo(dev, monkeypatch, capsys):
    monkeypatch.setattr(dev, "prepare", dict)
    monkeypatch.setattr(dev, "port_taken", lambda port: False)
    monkeypatch.setattr(dev, "write_runtime_conf", lambda params, name, **options: None)
    monkeypatch.setattr(dev, "database_exists", lambda params, name: True)
    monkeypatch.setattr(dev, "database_odoo_version", lambda params, name: "17.0")
    assert dev.main(["run", "--database", "old_crm"]) == 2
    assert "database old_crm was created by Odoo 17.0" in capsys.readouterr().err


class Exec(Exception):
    """os.execv replaced: the command `make run` would become."""


@pytest.fixture
def run_without_server(dev, monkeypatch):
    """`make run` on an existing demo database, stopping where Odoo would start."""
    monkeypatch.setattr(dev, "prepare", dict)
    monkeypatch.setattr(dev, "database_exists", lambda params, name: True)
    monkeypatch.setattr(dev, "database_odoo_version", lambda params, name: "18.0")
    monkeypatch.setattr(dev.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 0))  # run.d hooks

    def execv(path, argv):
        raise Exec(argv)

    monkeypatch.setattr(dev.os, "execv", execv)
    dev.medcrm_home().mkdir(parents=True)
    return dev


def test_run_with_workers_is_prefork(run_without_server, monkeypatch, capsys):
    dev = run_without_server
    monkeypatch.setattr(dev, "port_taken", lambda port: False)
    with pytest.raises(Exec):
        dev.main(["run", "--workers", "3"])
    conf = dev.runtime_conf().read_text()
    assert "workers = 3" in conf
    assert "max_cron_threads = 1" in conf
    assert "3 HTTP workers, cron in its own process, websocket on port 8072" in capsys.readouterr().err


def test_run_with_workers_refuses_websocket_port_taken(run_without_server, monkeypatch, capsys):
    dev = run_without_server
    monkeypatch.setattr(dev, "port_taken", lambda port: port == 8072)
    assert dev.main(["run", "--workers", "2"]) == 2
    assert "port 8072 (websocket) is taken" in capsys.readouterr().err
    with pytest.raises(Exec):  # one process: no websocket port needed
        dev.main(["run"])


def test_run_refuses_negative_workers(run_without_server, monkeypatch, capsys):
    dev = run_without_server
    monkeypatch.setattr(dev, "port_taken", lambda port: False)
    assert dev.main(["run", "--workers", "-1"]) == 2
    assert "WORKERS=-1" in capsys.readouterr().err


def test_this_environment_runs_the_websocket_process(dev, monkeypatch):
    """The venv the tests run in can start `odoo-bin gevent` (gevent patches, pkg_resources finds zope.*)."""
    monkeypatch.setattr(dev, "venv_python", lambda: sys.executable)
    dev.check_evented_runtime()


def test_broken_websocket_runtime_is_one_clear_line(dev, monkeypatch, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'pkg_resources.DistributionNotFound: zope.interface' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(dev, "venv_python", lambda: fake)
    with pytest.raises(dev.SetupError, match="cannot run Odoo's websocket process .*DistributionNotFound"):
        dev.check_evented_runtime()
