"""Price and stock registers are kept up to date record by record and always equal a rebuild from scratch."""

from __future__ import annotations

import pytest

from emulator_1c.registers import RegisterTable
from emulator_1c.schema import PRICES, PROFILES, STOCK
from emulator_1c.seed import ProductExtra
from emulator_1c.store import Store, StoreOptions

PRODUCTS = "Catalog_Номенклатура"
SLICE = "InformationRegister_ЦеныНоменклатуры/SliceLast()"
BALANCE = "AccumulationRegister_ТоварыНаСкладах/Balance()"
REGISTERS = (PRICES + "_SliceLast", STOCK + "_Balance")


def slice_of(emu, key: str) -> dict[str, tuple[str, float]]:
    rows = emu.values(SLICE, **{"$filter": f"Номенклатура_Key eq guid'{key}'"})
    return {row["ВидЦены_Key"]: (row["Period"], row["Цена"]) for row in rows}


def balance_of(emu, key: str) -> dict[str, float]:
    rows = emu.values(BALANCE, **{"$filter": f"Номенклатура_Key eq guid'{key}'"})
    return {row["Склад_Key"]: row["ВНаличииBalance"] for row in rows}


def assert_like_rebuild(store: Store) -> None:
    for name in REGISTERS:
        kept = store.register_rows(name)
        assert kept == store.rebuild_register(name), name
        by_product = store.register_index(name, "Номенклатура_Key")
        for key in store.order[PRODUCTS]:
            assert list(by_product.get(key, ())) == [r for r in kept if r["Номенклатура_Key"] == key]
        by_other = store.register_index(name, "ВидЦены_Key" if name.startswith(PRICES) else "Склад_Key")
        assert sum(len(rows) for rows in by_other.values()) == len(kept)


def test_a_price_changed_in_1c_is_visible_through_slice_last(emu):
    [item] = emu.products(**{"$top": "1", "$skip": "7", "$select": "Ref_Key"})
    key = item["Ref_Key"]
    # Read first: the tables are built, so the change below goes through the record-by-record update.
    before = slice_of(emu, key)
    whole_before = emu.values(SLICE, **{"$orderby": "Номенклатура_Key"})
    stock_before = balance_of(emu, key)
    assert len(before) == 2 and all(period == "2024-01-15T00:00:00" for period, _price in before.values())

    store = emu.server.emulator.store
    extra = store.extras[key]
    store.put(PRODUCTS, store.copy_of(PRODUCTS, key), ProductExtra((1234.5, 1543.13), extra.stock),
              period="2025-03-01T10:00:00")

    after = slice_of(emu, key)
    assert sorted(price for _period, price in after.values()) == [1234.5, 1543.13]
    assert {period for period, _price in after.values()} == {"2025-03-01T10:00:00"}
    assert after.keys() == before.keys()
    assert balance_of(emu, key) == stock_before, "the stock register did not move"
    # The whole slice (another cached query) shows the new records, and nothing else moved.
    whole_after = emu.values(SLICE, **{"$orderby": "Номенклатура_Key"})
    mine = sorted((r["ВидЦены_Key"], r["Period"], r["Цена"]) for r in whole_after if r["Номенклатура_Key"] == key)
    assert mine == sorted((kind, period, price) for kind, (period, price) in after.items())
    assert [r for r in whole_after if r["Номенклатура_Key"] != key] == [
        r for r in whole_before if r["Номенклатура_Key"] != key]


def test_mutation_through_the_admin_api_moves_price_and_period(emu):
    before = {(r["Номенклатура_Key"], r["ВидЦены_Key"]): (r["Period"], r["Цена"]) for r in emu.values(SLICE)}
    changed = emu.admin("products/mutate", count=10)["changed"]
    assert len(changed) == 10
    for key in changed:
        after = slice_of(emu, key)
        assert len(after) == 2
        for kind, (period, price) in after.items():
            old_period, old_price = before[key, kind]
            assert period > old_period
            assert round(price / old_price, 2) in (0.95, 1.05, 1.1)


def test_registers_stay_consistent_after_many_changes(emu):
    store = emu.server.emulator.store
    emu.values(SLICE, **{"$top": "1"})
    emu.values(BALANCE, **{"$top": "1"})
    keys = [p["Ref_Key"] for p in emu.products(**{"$select": "Ref_Key"})]
    assert_like_rebuild(store)

    for _round in range(5):
        emu.admin("products/mutate", count=15)
    added = emu.admin("products/add", count=4)["added"]
    emu.admin("products/delete-mark", count=3)
    # Goods move: one product sold out in a warehouse, another gets stock, one sold out everywhere.
    for key, stock in ((keys[0], (0, 7)), (keys[1], (12, 0)), (keys[2], (0, 0)), (added[0], (3, 3))):
        extra = store.extras[key]
        store.put(PRODUCTS, store.copy_of(PRODUCTS, key), ProductExtra(extra.prices, stock))
    assert balance_of(emu, keys[2]) == {}
    assert sorted(balance_of(emu, added[0]).values()) == [3.0, 3.0]
    # An item deleted outright leaves both registers; an edit without register data leaves them as they are.
    resp = emu.http.delete(f"{emu.odata_root}/{PRODUCTS}(guid'{keys[3]}')", timeout=30)
    assert resp.status_code == 204
    assert slice_of(emu, keys[3]) == {} and balance_of(emu, keys[3]) == {}
    prices_before = slice_of(emu, keys[4])
    resp = emu.http.patch(f"{emu.odata_root}/{PRODUCTS}(guid'{keys[4]}')", params={"$format": "json"},
                          json={"Комментарий": "правка без цен"}, timeout=30)
    assert resp.status_code == 200
    assert slice_of(emu, keys[4]) == prices_before
    assert_like_rebuild(store)

    # What the OData interface serves is the kept table, whole and by key.
    for name, resource in zip(REGISTERS, (SLICE, BALANCE), strict=True):
        served = emu.values(resource, **{"$orderby": "Номенклатура_Key"})
        rebuilt = sorted(store.rebuild_register(name), key=lambda r: r["Номенклатура_Key"])
        assert served == rebuilt


def test_register_table_replaces_only_the_rows_of_one_product():
    rows = [{"Номенклатура_Key": k, "Склад_Key": w, "ВНаличииBalance": 1.0} for k in "abc" for w in "xy"]
    order = ["a", "b", "c"]
    table = RegisterTable("Номенклатура_Key", rows)
    assert table.rows(order) == rows and table.version == 0
    index = table.index("Склад_Key", order)
    assert [r["Номенклатура_Key"] for r in index["x"]] == ["a", "b", "c"]
    assert not table.set("b", [r for r in rows if r["Номенклатура_Key"] == "b"]), "same rows: nothing changes"
    assert table.version == 0
    assert table.set("b", [{"Номенклатура_Key": "b", "Склад_Key": "y", "ВНаличииBalance": 5.0}])
    assert table.version == 1
    assert [(r["Номенклатура_Key"], r["Склад_Key"]) for r in table.rows(order)] == [
        ("a", "x"), ("a", "y"), ("b", "y"), ("c", "x"), ("c", "y")]
    assert [r["Номенклатура_Key"] for r in table.index("Склад_Key", order)["x"]] == ["a", "c"]
    assert table.set("a", [])
    assert "a" not in table.index("Номенклатура_Key", order)
    assert [r["Номенклатура_Key"] for r in table.rows(order)] == ["b", "c", "c"]


@pytest.mark.parametrize("profile", ["ut11", "unf", "bp3"])
def test_journal_replay_keeps_the_period_of_new_prices(tmp_path, profile):
    options = StoreOptions(products=30, seed=5, profile=PROFILES[profile], data_dir=str(tmp_path))
    store = Store(options)
    # Each configuration names its stock register and the price type dimension its own way (БП 3: no stock).
    stock = PROFILES[profile].stock
    registers = [REGISTERS[0]] + ([stock + "_Balance"] if stock else [])
    store.register_rows(REGISTERS[0])
    changed = store.mutate(PRODUCTS, count=4)
    before = [store.register_rows(name) for name in registers]
    assert all(PROFILES[profile].price_kind in row for row in before[0])
    store.close()

    again = Store(StoreOptions(products=30, seed=5, profile=PROFILES[profile], data_dir=str(tmp_path)))
    assert [again.register_rows(name) for name in registers] == before
    periods = {r["Period"] for r in again.register_rows(REGISTERS[0]) if r["Номенклатура_Key"] in changed}
    assert periods and "2024-01-15T00:00:00" not in periods
    again.close()
