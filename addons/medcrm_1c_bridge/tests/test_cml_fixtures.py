"""The CommerceML fixture packages and the independent counter agree with what the packages were designed to hold.

Plain pytest functions: no Odoo environment is needed.  The expected figures below were worked out by hand from
the design of each package (see data/commerceml/README.md), not taken from the counter's output.
"""

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from . import cml_count

DATA = Path(__file__).resolve().parent / "data" / "commerceml"
NS_2 = "urn:1C.ru:commerceml_2"
NS_210 = "urn:1C.ru:commerceml_210"


def zip_folder(folder: Path, target: Path) -> Path:
    """Zip a fixture folder the way 1C packs an exchange: relative paths, subfolders kept."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target


# name: (version, namespace, groups, products, variants, offers, stock_sum, services, units, invalid, deleted)
SHAPES = {
    "v203": ("2.03", NS_2, 5, 8, 0, 8, 10939, 0, {"796", "715"}, [], 0),
    "v205_cp1251": ("2.05", NS_2, 3, 7, 0, 7, 28057, 0, {"796", "715", "778"}, [], 0),
    "v207_characteristics": ("2.07", NS_2, 2, 6, 10, 13, 14072, 0, {"796", "715"}, [], 0),
    "v210_split": ("2.10", NS_210, 6, 12, 11, 19, 35241, 1, {"796", "715", "778", "876"}, ["МЦ-000123"], 1),
    "v210_zip": ("2.10", NS_210, 6, 6, 5, 9, 30218, 1, {"796", "778", "876"}, [], 0),
    "v210_empty": ("2.10", NS_210, 2, 0, 0, 0, 0, 0, set(), [], 0),
    "localized": ("2.08", NS_2, 2, 5, 0, 5, 13620, 1, {"796", "715", "876"}, [], 0),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_counter_reads_each_shape(name):
    version, ns, groups, products, variants, offers, stock_sum, services, units, invalid, deleted = SHAPES[name]
    got = cml_count.count_package(DATA / name)
    assert got["versions"] == {version}
    assert got["namespaces"] == {ns}
    assert got["groups"] == groups
    assert got["products"] == products
    assert got["variants"] == variants
    assert got["offers"] == offers
    assert got["stock_sum"] == stock_sum
    assert got["services"] == services
    assert got["units"] == units
    assert got["invalid_records"] == invalid
    assert got["deleted"] == deleted


def test_windows_1251_is_really_windows_1251_and_read_as_such():
    raw = (DATA / "v205_cp1251" / "import.xml").read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    got = cml_count.count_package(DATA / "v205_cp1251")
    assert got["price_types"] == {"f7745e2a-4ce0-5159-a0f7-2f8b0ded40a1": {"name": "Оптовая", "currency": "руб"}}
    # Пульсоксиметр: 14 in Moscow + 3 in St Petersburg, both given as <Склад ИдСклада КоличествоНаСкладе/>
    assert got["stock"]["707976ff-1fc6-59b5-b14e-5c2d70c5f833"] == 17
    assert got["prices"]["Оптовая"]["a2424343-c0e2-5dd3-94dc-ad25aaa7c2a5"] == Decimal("1.35")
    assert got["vat"]["707976ff-1fc6-59b5-b14e-5c2d70c5f833"] == "Без налога"
    assert len(got["barcodes"]) == 7


def test_characteristics_each_have_own_price_and_stock():
    got = cml_count.count_package(DATA / "v207_characteristics")
    gloves = "4c90f022-781b-5b5d-9758-01660824ad0c"
    sizes = {oid: price for oid, price in got["prices"]["Розничная цена"].items() if oid.startswith(gloves + "#")}
    assert sorted(sizes.values()) == [Decimal("9.40"), Decimal("9.40"), Decimal("9.90")]
    assert sorted(got["stock"][oid] for oid in sizes) == [1700, 2600, 4550]
    # the product itself has no offer of its own: only its characteristics are sold
    assert gloves not in got["stock"]
    assert sum(1 for oid in got["barcodes"] if "#" in oid) == 10


def test_split_package_joins_prices_and_rests_from_other_files():
    got = cml_count.count_package(DATA / "v210_split")
    assert got["files"] == 10
    assert set(got["prices"]) == {"Розничная", "Дилерская (USD)"}
    assert {t["currency"] for t in got["price_types"].values()} == {"RUB", "USD"}
    ecg = "284a5308-d3ed-5d0f-b515-006bf426f0a4"
    assert got["prices"]["Розничная"][ecg] == Decimal("148500.00")
    assert got["prices"]["Дилерская (USD)"][ecg] == Decimal("1632.00")
    assert got["stock"][ecg] == 3  # two warehouses: 2 + 1
    # every offer has both prices; the service has no stock at all
    assert len(got["prices"]["Розничная"]) == len(got["prices"]["Дилерская (USD)"]) == got["offers"]
    assert len(got["stock"]) == got["offers"] - 1
    assert got["vat"][ecg] == "Без налога"
    assert got["only_changes"] is False


def test_zip_reads_like_its_folder(tmp_path):
    archive = zip_folder(DATA / "v210_zip", tmp_path / "exchange.zip")
    from_zip = cml_count.count_package(archive)
    from_folder = cml_count.count_package(DATA / "v210_zip")
    assert from_zip == from_folder
    assert from_zip["products"] == 6


def test_zip_of_the_webdata_layout(tmp_path):
    archive = zip_folder(DATA / "v210_split", tmp_path / "webdata.zip")
    with zipfile.ZipFile(archive) as zf:
        assert any(n.startswith("webdata/000000001/goods/2/rests___") for n in zf.namelist())
    assert cml_count.count_package(archive)["stock_sum"] == 35241


def test_counter_does_not_care_about_the_namespace(tmp_path):
    for path in (DATA / "v210_zip").glob("*.xml"):
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text(re.sub(r' xmlns="[^"]+"', "", text, count=1), encoding="utf-8")
    bare = cml_count.count_package(tmp_path)
    assert bare["namespaces"] == set()
    original = cml_count.count_package(DATA / "v210_zip")
    for key in ("groups", "products", "variants", "offers", "prices", "stock", "units", "services", "barcodes"):
        assert bare[key] == original[key], key


def test_empty_package_has_nothing_to_import():
    got = cml_count.count_package(DATA / "v210_empty")
    assert (got["products"], got["offers"], got["prices"], got["stock"]) == (0, 0, {}, {})
    assert got["files"] == 2


def test_ukrainian_requisites():
    got = cml_count.count_package(DATA / "localized")
    assert got["only_changes"] is True
    assert got["prices"].keys() == {"Роздрібна"}
    service = "d89643d5-2c74-5951-bc3f-13c64bcde71d"
    assert got["prices"]["Роздрібна"][service] == Decimal("950.00")
    assert service not in got["stock"]
    assert got["full_names"][service] == "Повірка медичної техніки (Україна)"
    assert set(got["vat"].values()) == {"7", "20"}


def test_deleted_and_status_removed_records_are_not_products(tmp_path):
    guid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    (tmp_path / "import.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<КоммерческаяИнформация ВерсияСхемы="2.04"><Каталог><Товары>'
        f'<Товар Статус="Удален"><Ид>{guid}</Ид><Наименование>Снятый товар</Наименование></Товар>'
        "<Товар><Ид>1f8fad5b-d9cb-469f-a165-70867728950e</Ид><Наименование>Живой товар</Наименование></Товар>"
        "<Товар><Ид>12345</Ид><Наименование>Код вместо ссылки</Наименование></Товар>"
        "</Товары></Каталог></КоммерческаяИнформация>",
        encoding="utf-8",
    )
    got = cml_count.count_package(tmp_path)
    assert (got["products"], got["deleted"], got["invalid_records"]) == (1, 1, ["12345"])
