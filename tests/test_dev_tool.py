"""`make run` / `make test` fail with one clear line on a machine that lacks something."""

import importlib.util
import socket
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
    monkeypatch.setattr(dev, "write_runtime_conf", lambda params, name: None)
    monkeypatch.setattr(dev, "database_exists", lambda params, name: True)
    monkeypatch.setattr(dev, "database_odoo_version", lambda params, name: "17.0")
    assert dev.main(["run", "--database", "old_crm"]) == 2
    assert "database old_crm was created by Odoo 17.0" in capsys.readouterr().err
