"""The emulator speaks the shapes a real 1C publication speaks: OData JSON, virtual tables, errors, limits."""

from __future__ import annotations

import requests

from emulator_1c.util import GUID_RE

PRODUCTS = "Catalog_Номенклатура"


def test_collection_is_odata_v3_json_with_1c_keys(emu):
    resp = emu.odata(PRODUCTS, **{"$top": "2", "$filter": "IsFolder eq false", "$inlinecount": "allpages"})
    assert resp.status_code == 200
    payload = resp.json()
    assert payload["odata.metadata"].endswith(f"/$metadata#{PRODUCTS}")
    assert int(payload["odata.count"]) == 200
    item = payload["value"][0]
    assert GUID_RE.match(item["Ref_Key"]) and item["DeletionMark"] is False and item["IsFolder"] is False
    assert item["Parent@navigationLinkUrl"] == f"{PRODUCTS}(guid'{item['Ref_Key']}')/Parent"
    row = item["ДополнительныеРеквизиты"][0]
    assert row["LineNumber"] == "1" and row["Ref_Key"] == item["Ref_Key"]


def test_atom_is_the_default_format(emu):
    resp = emu.http.get(f"{emu.odata_root}/{PRODUCTS}", params={"$top": "1"}, timeout=30)
    assert resp.headers["Content-Type"].startswith("application/atom+xml")
    assert b"<m:properties>" in resp.content


def test_key_batch_filter_gives_what_the_full_expression_gives(emu):
    keys = [p["Ref_Key"] for p in emu.products(**{"$top": "5", "$select": "Ref_Key"})]
    by_keys = emu.products(**{"$filter": " or ".join(f"Ref_Key eq guid'{k.upper()}'" for k in keys)})
    assert sorted(p["Ref_Key"] for p in by_keys) == sorted(keys)
    # The same expression that the fast path cannot take (an extra condition) selects the same objects.
    slow = emu.products(**{"$filter": "(" + " or ".join(f"Ref_Key eq guid'{k}'" for k in keys) + ") and true"})
    assert sorted(p["Ref_Key"] for p in slow) == sorted(keys)


def test_register_virtual_tables(emu):
    [item] = emu.products(**{"$top": "1", "$select": "Ref_Key"})
    key = item["Ref_Key"]
    prices = emu.values(
        "InformationRegister_ЦеныНоменклатуры/SliceLast()", **{"$filter": f"Номенклатура_Key eq guid'{key}'"}
    )
    assert len(prices) == 2 and all(p["Цена"] > 0 and p["Валюта"] == "RUB" for p in prices)
    condition = f"Номенклатура_Key eq guid''{key}''"
    balance = emu.values(f"AccumulationRegister_ТоварыНаСкладах/Balance(Condition='{condition}')")
    assert all(row["Номенклатура_Key"] == key and row["ВНаличииBalance"] > 0 for row in balance)
    movements = emu.odata("AccumulationRegister_ТоварыНаСкладах")
    assert movements.status_code == 400 and "Balance()" in movements.json()["odata.error"]["message"]["value"]


def test_price_change_moves_the_period_of_the_slice(emu):
    [key] = emu.admin("products/mutate", count=1)["changed"]
    prices = emu.values(
        "InformationRegister_ЦеныНоменклатуры/SliceLast()", **{"$filter": f"Номенклатура_Key eq guid'{key}'"}
    )
    assert all(p["Period"] > "2024-01-15T00:00:00" for p in prices)


def test_errors_are_odata_errors_in_russian(emu):
    resp = emu.odata("Catalog_Нет")
    assert resp.status_code == 404
    assert resp.json()["odata.error"]["message"]["lang"] == "ru"
    resp = emu.odata(f"{PRODUCTS}(guid'not-a-guid')")
    assert resp.status_code == 400
    resp = emu.odata(PRODUCTS, **{"$filter": "Description eq 'не закрыта"})
    assert resp.status_code == 400


def test_too_long_url_is_refused_like_apache(emu):
    flt = " or ".join(f"Ref_Key eq guid'{'0' * 8}-0000-0000-0000-{n:012d}'" for n in range(300))
    resp = emu.odata(PRODUCTS, **{"$filter": flt})
    assert resp.status_code == 414


def test_unauthorized_without_basic_auth(emu):
    resp = requests.get(f"{emu.odata_root}/{PRODUCTS}", timeout=30)
    assert resp.status_code == 401 and "Basic" in resp.headers["WWW-Authenticate"]


def test_queued_faults_hit_the_next_requests_only(emu):
    emu.admin("faults/next", kind="error500", count=1)
    assert emu.odata(PRODUCTS, **{"$top": "1"}).status_code == 500
    assert emu.odata(PRODUCTS, **{"$top": "1"}).status_code == 200
    emu.admin("faults/next", kind="bad_guid", count=1)
    mangled = emu.odata(PRODUCTS, **{"$top": "1", "$filter": "IsFolder eq false"}).json()["value"][0]
    assert not GUID_RE.match(mangled["Ref_Key"])
    emu.admin("faults/next", kind="truncate", count=1)
    resp = emu.odata(PRODUCTS, **{"$top": "5"})
    assert resp.status_code == 200
    try:
        resp.json()
        raise AssertionError("a truncated payload must not parse")
    except ValueError:
        pass


def test_soap_refuses_a_dtd(emu):
    body = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b'<m:GetChanges xmlns:m="http://medcrm.ru/exchange"><m:Since>&e;</m:Since></m:GetChanges>'
        b"</soap:Body></soap:Envelope>"
    )
    resp = emu.http.post(
        f"{emu.base}/ws/medcrm_exchange.1cws",
        data=body,
        timeout=30,
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    assert resp.status_code == 500 and b"faultstring" in resp.content
    assert b"root:" not in resp.content


def _create_order(emu, order_ref: str, need: str) -> bytes:
    product = emu.products(**{"$top": "1"})[0]["Ref_Key"]
    client = emu.values("Catalog_Контрагенты", **{"$filter": "IsFolder eq false", "$top": "1"})[0]["Ref_Key"]
    body = (
        '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        '<soap:Body><m:CreateCustomerOrder xmlns:m="http://medcrm.ru/exchange">'
        f"<m:NeedNumber>{need}</m:NeedNumber><m:CounterpartyRef>{client}</m:CounterpartyRef>"
        "<m:Date>2026-03-01T12:00:00</m:Date><m:Lines><m:Line>"
        f"<m:ProductRef>{product}</m:ProductRef><m:Quantity>2</m:Quantity><m:Price>150.50</m:Price>"
        f"</m:Line></m:Lines><m:OrderRef>{order_ref}</m:OrderRef></m:CreateCustomerOrder></soap:Body></soap:Envelope>"
    ).encode()
    resp = emu.http.post(f"{emu.base}/ws/medcrm_exchange.1cws", data=body, timeout=30,
                         headers={"Content-Type": "text/xml; charset=utf-8"})
    assert resp.status_code == 200, resp.text
    return resp.content


def test_soap_order_is_made_once_per_order_ref(emu):
    ref = "0f3b2a51-7c4d-5e6f-8a9b-0c1d2e3f4a5b"
    first = _create_order(emu, ref, "ПТ-2026-00001")
    again = _create_order(emu, ref, "ПТ-2026-00001")
    assert ref.encode() in first and b"<Created>true</Created>" in first.replace(b"m:", b"")
    assert b"<Created>false</Created>" in again.replace(b"m:", b"")
    orders = emu.values("Document_ЗаказКлиента", **{"$filter": "НомерПоДаннымКлиента eq 'ПТ-2026-00001'"})
    assert [o["Ref_Key"] for o in orders] == [ref]
    assert orders[0]["СуммаДокумента"] == 301.0
    # the state register follows payment and shipment
    state = "InformationRegister_СостоянияЗаказовКлиентов"
    flt = {"$filter": f"ЗаказКлиента_Key eq guid'{ref}'"}
    assert emu.values(state, **flt)[0]["Состояние"] == "ОжидаетсяОплата"
    emu.admin(f"orders/{ref}/pay")
    emu.admin(f"orders/{ref}/ship")
    row = emu.values(state, **flt)[0]
    assert (row["Состояние"], row["ПроцентОплаты"], row["Отгружен"]) == ("Закрыт", 100.0, True)
