"""CommerceML as 1C writes it: versions and namespaces, characteristics, split prices/rests, numbered parts, zip.

What the files hold is checked with the bridge's independent counter (addons/medcrm_1c_bridge/tests/cml_count.py,
plain ElementTree), loaded by path so that the emulator keeps no import dependency on the addon.
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from emulator_1c.__main__ import main as cli
from emulator_1c.commerceml import NS, NS_210, CmlSource, write_package
from emulator_1c.schema import PROFILES
from emulator_1c.seed import build_reference, iter_products

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "cml_count", ROOT / "addons" / "medcrm_1c_bridge" / "tests" / "cml_count.py")
cml_count = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cml_count)


def fetch(emu, name: str, **params):
    return emu.http.get(f"{emu.base}/cml/{name}", params=params, timeout=60)


def fetch_package(emu, tmp_path: Path, names, **params) -> Path:
    folder = tmp_path / "files"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        resp = fetch(emu, name, **params)
        assert resp.status_code == 200, resp.text
        (folder / name).write_bytes(resp.content)
    return folder


def root_of(data: bytes):
    return ET.fromstring(data)


@pytest.mark.parametrize(("version", "ns"), [("2.03", NS), ("2.05", NS), ("2.08", NS), ("2.09", NS),
                                              ("2.10", NS_210)])
def test_namespace_and_version_follow_the_schema(emu, version, ns):
    for name in ("import.xml", "offers.xml"):
        root = root_of(fetch(emu, name, version=version).content)
        assert root.tag == f"{{{ns}}}КоммерческаяИнформация"
        assert root.get("ВерсияСхемы") == version


def test_stock_shape_per_version(emu, tmp_path):
    products = len(emu.products())
    sums = {}
    shapes = [("2.03", "<Количество>", ["КоличествоНаСкладе=", "<Остатки>"]),
              ("2.05", "КоличествоНаСкладе=", ["<Остатки>"]),
              ("2.08", "<Остатки>", ["КоличествоНаСкладе="])]
    for version, marker, absent in shapes:
        body = fetch(emu, "offers.xml", version=version).content
        assert marker.encode() in body
        for text in absent:
            assert text.encode() not in body, (version, text)
        folder = fetch_package(emu, tmp_path / version, ["import.xml", "offers.xml"], version=version)
        got = cml_count.count_package(folder)
        assert got["products"] == got["offers"] == products
        sums[version] = got["stock_sum"]
    # the same store: only the shape changes, never the figures
    assert sums["2.03"] == sums["2.05"] == sums["2.08"] > 0
    assert fetch(emu, "prices.xml", version="2.05").status_code == 404


def test_split_2_10_with_characteristics(emu, tmp_path):
    products = len(emu.products())
    params = {"version": "2.10", "characteristics": "0.3"}
    offers = fetch(emu, "offers.xml", **params).content
    assert "<Цены>".encode() not in offers and "<Остатки>".encode() not in offers
    assert 'Код="796 "'.encode() in offers  # the OKEI code padded as 1C writes it
    folder = fetch_package(emu, tmp_path, ["import.xml", "offers.xml", "prices.xml", "rests.xml"], **params)
    got = cml_count.count_package(folder)
    assert got["products"] == products
    with_chars = {oid.split("#")[0] for oid in got["stock"] if "#" in oid}
    assert 0.15 * products <= len(with_chars) <= 0.45 * products
    assert got["variants"] >= 2 * len(with_chars)
    assert got["offers"] == products - len(with_chars) + got["variants"]
    # a product sold by characteristics has no offer of its own
    assert not with_chars & set(got["stock"])
    # every offer has both price types and a stock, all joined from the separate files
    assert set(got["prices"]) == {"Оптовая", "Розничная"}
    assert all(len(by_offer) == got["offers"] for by_offer in got["prices"].values())
    assert len(got["stock"]) == got["offers"]
    # characteristics carry their features and their own barcode
    chars = [p for p in root_of(offers).iter() if p.tag.endswith("}Предложение") and "#" in p[0].text]
    assert len(chars) == got["variants"]
    for offer in chars:
        assert offer.find(f"{{{NS_210}}}ХарактеристикиТовара/{{{NS_210}}}ХарактеристикаТовара/{{{NS_210}}}Значение")\
            is not None
        assert re.fullmatch(r"2\d{12}", got["barcodes"][offer[0].text])


def test_simple_products_keep_their_figures_across_versions(emu, tmp_path):
    old = cml_count.count_package(fetch_package(emu, tmp_path / "old", ["offers.xml"], version="2.05"))
    new = cml_count.count_package(fetch_package(emu, tmp_path / "new", ["offers.xml", "prices.xml", "rests.xml"],
                                                version="2.10", characteristics="0.3"))
    simple = [oid for oid in new["stock"] if "#" not in oid]
    assert simple
    for oid in simple:
        assert new["stock"][oid] == old["stock"][oid]
        for name in ("Оптовая", "Розничная"):
            assert new["prices"][name][oid] == old["prices"][name][oid]


def test_zip_of_numbered_parts(emu, tmp_path):
    params = {"version": "2.10", "characteristics": "0.3"}
    resp = fetch(emu, "package.zip", part="80", **params)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/zip"
    archive = tmp_path / "package.zip"
    archive.write_bytes(resp.content)
    products = len(emu.products())
    parts = -(-products // 80)
    with zipfile.ZipFile(io.BytesIO(resp.content)) as zf:
        names = set(zf.namelist())
        assert names == {f"{kind}0_{n}.xml" for kind in ("import", "offers", "prices", "rests")
                         for n in range(1, parts + 1)}
        assert "<Классификатор>".encode() in zf.read("import0_1.xml")
        assert "<Классификатор>".encode() not in zf.read("import0_2.xml")
    zipped = cml_count.count_package(archive)
    separate = cml_count.count_package(
        fetch_package(emu, tmp_path, ["import.xml", "offers.xml", "prices.xml", "rests.xml"], **params))
    for key in ("groups", "products", "variants", "offers", "prices", "stock", "barcodes", "units"):
        assert zipped[key] == separate[key], key


def test_webdata_layout_holds_the_same_exchange(tmp_path):
    profile = PROFILES["ut11"]
    ref = build_reference(5, profile)

    def source() -> CmlSource:
        return CmlSource(ref, profile, ref.group_records, iter_products(ref, profile, 150), version="2.10",
                         characteristics=0.3)

    web = write_package(str(tmp_path / "web"), source(), layout="webdata", part_size=60)
    http = write_package(str(tmp_path / "http"), source(), layout="http", part_size=60)
    guid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert sum(bool(re.fullmatch(rf"webdata/000000001/(import|offers)___{guid}\.xml", p)) for p in web) == 2
    assert sum(bool(re.fullmatch(rf"webdata/000000001/goods/[123]/(import|offers|prices|rests)___{guid}\.xml", p))
               for p in web) == 12
    a, b = cml_count.count_package(tmp_path / "web"), cml_count.count_package(tmp_path / "http")
    for key in ("groups", "products", "variants", "offers", "prices", "stock", "barcodes"):
        assert a[key] == b[key], key
    assert a["products"] == 150
    # the same seed gives the same characteristics
    again = write_package(str(tmp_path / "again"), source(), layout="http", part_size=60)
    assert again == http
    assert cml_count.count_package(tmp_path / "again")["stock"] == b["stock"]


def test_cli_writes_a_zipped_package(tmp_path, capsys):
    archive = tmp_path / "exchange.zip"
    rc = cli(["write-cml", str(tmp_path / "out"), "--products", "40", "--version", "2.10", "--characteristics",
              "0.5", "--layout", "http", "--part-size", "25", "--zip", str(archive)])
    assert rc == 0
    assert "40 products" in capsys.readouterr().out
    got = cml_count.count_package(archive)
    assert got["products"] == 40 and got["variants"] > 0 and got["files"] == 8
    assert got["stock_sum"] == cml_count.count_package(tmp_path / "out")["stock_sum"]
    assert got["prices"]["Розничная"][next(iter(got["stock"]))] > Decimal(0)


@pytest.mark.parametrize("params", [{"version": "3.0"}, {"characteristics": "много"}, {"characteristics": "2"},
                                    {"since": "вчера"}, {"layout": "ftp"}, {"part": "-1"}])
def test_bad_parameters_are_clear_errors(emu, params):
    resp = fetch(emu, "package.zip", **params)
    assert resp.status_code == 400
    assert re.search("[А-Яа-я]", resp.json()["error"])
