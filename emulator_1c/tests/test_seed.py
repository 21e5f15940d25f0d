"""Seed data: deterministic, realistic, with valid Russian tax identifiers."""

from __future__ import annotations

import inspect
import re
import time

import pytest

from emulator_1c import catalog_data as cd
from emulator_1c.schema import PROFILES
from emulator_1c.seed import build_reference, iter_products
from emulator_1c.util import GUID_RE, inn_is_valid

UT = PROFILES["ut11"]


def test_same_seed_same_data_other_seed_other_data():
    ref_a, ref_b, ref_c = build_reference(1, UT), build_reference(1, UT), build_reference(2, UT)
    keys = [[r["Ref_Key"] for r, _ in iter_products(ref, UT, 50)] for ref in (ref_a, ref_b, ref_c)]
    assert keys[0] == keys[1]
    assert keys[0] != keys[2]
    # Asking for more products does not change the first ones.
    assert [r["Ref_Key"] for r, _ in iter_products(ref_a, UT, 80)][:50] == keys[0]


def test_counterparties_have_valid_inn_and_kpp():
    stdnum_inn = pytest.importorskip("stdnum.ru.inn")
    clients = [r for r in build_reference(42, UT).records["Catalog_Контрагенты"] if not r["IsFolder"]]
    assert len(clients) == len(cd.CLIENTS) == 30
    for c in clients:
        assert stdnum_inn.is_valid(c["ИНН"]), c
        assert inn_is_valid(c["ИНН"])
        if len(c["ИНН"]) == 10:
            assert re.fullmatch(r"\d{9}", c["КПП"]) and c["КПП"][:4] == c["ИНН"][:4]
            assert c["ЮридическоеФизическоеЛицо"] == "ЮридическоеЛицо"
            assert len(c["ОГРН"]) == 13 and int(c["ОГРН"][:12]) % 11 % 10 == int(c["ОГРН"][12])
        else:
            assert c["КПП"] == "" and c["ЮридическоеФизическоеЛицо"] == "ФизическоеЛицо"
        kinds = {row["Тип"] for row in c["КонтактнаяИнформация"]}
        assert kinds == {"Адрес", "Телефон", "АдресЭлектроннойПочты"}
    assert any(c["Description"].startswith("ГКБ") for c in clients)
    assert any(c["НаименованиеПолное"].startswith("ООО") for c in clients)


def test_products_look_like_a_medical_catalogue():
    ref = build_reference(42, UT)
    products = [r for r, _ in iter_products(ref, UT, 3000)]
    prop = ref.prop_key
    ru_re = re.compile(r"^(РЗН \d{4}/\d{4,5}|ФСЗ \d{4}/\d{5})$")
    expired = own = 0
    analogue_makers: dict[str, set[str]] = {}
    for p in products:
        assert GUID_RE.match(p["Ref_Key"]) and p["IsFolder"] is False
        rows = {r["Свойство_Key"]: r for r in p["ДополнительныеРеквизиты"]}
        assert ru_re.match(rows[prop["РегистрационноеУдостоверение"]]["Значение"])
        valid_to = rows.get(prop["СрокДействияРУ"])
        if valid_to and valid_to["Значение"] < "2024-01-15":
            expired += 1
        own += rows[prop["СобственноеПроизводство"]]["Значение"] is True
        analogue = rows[prop["ГруппаАналогов"]]
        assert analogue["Значение_Type"] == "StandardODATA.Catalog_ЗначенияСвойствОбъектов"
        analogue_makers.setdefault(analogue["Значение"], set()).add(p["Производитель_Key"])
    assert expired > 0, "some registry certificates must be expired"
    assert 0 < own < len(products)
    assert any(len(makers) >= 3 for makers in analogue_makers.values()), "analogues from different makers"
    names = " ".join(p["Description"] for p in products)
    for fragment in ("Шприц инъекционный 3-х компонентный", "Бинт марлевый медицинский", "Тонометр механический",
                     "Маска медицинская трёхслойная"):
        assert fragment in names
    assert len({p["Артикул"] for p in products}) == len(products)


def test_generator_is_lazy_and_fast():
    ref = build_reference(3, UT)
    gen = iter_products(ref, UT, 10**9)
    assert inspect.isgenerator(gen)
    started = time.time()
    for _ in zip(range(20_000), gen, strict=False):
        pass
    assert time.time() - started < 5  # ~0.4 s here: 100,000 products take a couple of seconds


def test_unf_profile_keeps_ru_as_a_requisite():
    unf = PROFILES["unf"]
    ref = build_reference(42, unf)
    rec, _ = next(iter_products(ref, unf, 1))
    assert "ДополнительныеРеквизиты" not in rec
    assert re.match(r"^(РЗН|ФСЗ) \d{4}/\d+$", rec["РегистрационноеУдостоверение"])
    assert unf.units == "Catalog_КлассификаторЕдиницИзмерения" and unf.order == "Document_ЗаказПокупателя"


def test_bp3_profile_publishes_what_bp3_has():
    from emulator_1c.store import Store, StoreOptions

    bp3 = PROFILES["bp3"]
    store = Store(StoreOptions(products=5, seed=42, profile=bp3))
    rec = store.all("Catalog_Номенклатура")[-1]
    assert "Производитель_Key" not in rec and "ДополнительныеРеквизиты" not in rec
    assert "РегистрационноеУдостоверение" not in rec
    assert rec["ЕдиницаИзмерения_Key"] in {u["Ref_Key"] for u in store.all("Catalog_КлассификаторЕдиницИзмерения")}
    for absent in ("Catalog_ВидыЦен", "Catalog_Производители", "AccumulationRegister_ТоварыНаСкладах",
                   "ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения"):
        assert absent not in store.entities
    assert {t["Description"] for t in store.all("Catalog_ТипыЦенНоменклатуры")} == {"Оптовая", "Розничная"}
    assert all("ТипЦен_Key" in row for row in store.register_rows("InformationRegister_ЦеныНоменклатуры_SliceLast"))

