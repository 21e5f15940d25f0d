"""An independent counter of what a CommerceML package holds: the yardstick for the bridge's reader.

Written from the format (CommerceML 2.03 … 2.10 as 1C writes it), not from the bridge's reader, with
nothing but ``xml.etree.ElementTree`` and ``zipfile``, so that a test can compare what the bridge
imported with what the package really contains.  It is namespace-agnostic (``urn:1C.ru:commerceml_2``,
``urn:1C.ru:commerceml_210`` or none), reads any encoding the XML declaration names (UTF-8,
windows-1251), and takes a folder (files at any depth: ``webdata/000000001/goods/1/import___<guid>.xml``),
a zip, or a single XML file.

What is counted (see :func:`count_package`):

- ``groups``: distinct ``Классификатор/…/Группа`` Ид, nested groups included, deleted ones excluded;
- ``products``: distinct ``Каталог/Товары/Товар`` Ид that are not deleted (``ПометкаУдаления`` true or
  ``Статус`` «Удален») and whose Ид is a 1C reference (a GUID);
- ``offers``: distinct ``ПакетПредложений/Предложения/Предложение`` Ид over every file of the package
  (offers, prices and rests files of 2.08+ name the same offers), valid and not deleted;
- ``variants``: offers whose Ид is ``<product guid>#<characteristic guid>``.  The pair is counted, not the
  characteristic alone: 1C (УТ 11) shares characteristics of a «вид номенклатуры» between products;
- ``prices``: ``{price type name: {offer Ид: Decimal}}``, the type's name taken from ``ТипыЦен/ТипЦены``
  wherever the package declares it (ПакетПредложений or, from 2.08, Классификатор);
- ``stock``: ``{offer Ид: Decimal}`` and ``stock_sum``: warehouses summed when the offer lists them
  (``<Склад ИдСклада КоличествоНаСкладе/>``, ``Остатки/Остаток/Склад/Количество``), else its
  ``Остатки/Остаток/Количество`` or ``Количество``;
- ``invalid_records``: sorted Ид of products and offers whose Ид is not a GUID;
- ``units``: set of unit codes (``БазоваяЕдиница Код``, stripped; the text when there is no code);
- ``services``: products whose «ВидНоменклатуры»/«ТипНоменклатуры» (or the Ukrainian «Вид номенклатури»,
  «Тип номенклатури») says «Услуга»/«Послуга»;
- ``barcodes``: ``{product or offer Ид: barcode}`` for non-empty ``Штрихкод``;
plus ``deleted``, ``price_types``, ``vat``, ``full_names``, ``only_changes``, ``versions``,
``namespaces`` and ``files``.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree as ET

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
KIND_REQUISITES = {"видноменклатуры", "типноменклатуры", "видноменклатури", "типноменклатури"}
SERVICE_WORDS = {"услуга", "послуга"}
FULL_NAME_REQUISITES = {"полноенаименование", "повненайменування"}
TRUE = {"true", "1", "истина"}


def local(tag: str) -> str:
    """The tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def kids(elem, name: str) -> list:
    return [c for c in elem if local(c.tag) == name]


def kid(elem, name: str):
    for c in elem:
        if local(c.tag) == name:
            return c
    return None


def text(elem, name: str) -> str:
    c = kid(elem, name)
    return (c.text or "").strip() if c is not None else ""


def number(value: str) -> Decimal | None:
    value = (value or "").strip().replace("\xa0", "").replace(" ", "").replace(",", ".")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def is_guid(record_id: str) -> bool:
    return bool(GUID.match(record_id.split("#", 1)[0]))


def is_deleted(elem) -> bool:
    if text(elem, "ПометкаУдаления").lower() in TRUE:
        return True
    status = elem.get("Статус") or text(elem, "Статус")
    return status.strip().lower() in {"удален", "удалён"}


def iter_documents(source):
    """Yield (name, bytes) of every XML document of a folder, a zip or a single file, in a stable order."""
    path = Path(source)
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                yield from iter_documents(p)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in sorted(zf.namelist()):
                if name.lower().endswith(".xml"):
                    yield f"{path.name}!{name}", zf.read(name)
    elif path.suffix.lower() == ".xml":
        yield str(path), path.read_bytes()


def stock_of(offer) -> Decimal | None:
    """The offer's stock: warehouses summed when given, else its single quantity; None when it says nothing."""
    by_attr = [number(s.get("КоличествоНаСкладе")) for s in kids(offer, "Склад") if s.get("КоличествоНаСкладе")]
    if by_attr:
        return sum((q for q in by_attr if q is not None), Decimal(0))
    rests = kid(offer, "Остатки")
    if rests is not None:
        total, seen = Decimal(0), False
        for rest in kids(rests, "Остаток"):
            stores = kids(rest, "Склад")
            values = [number(text(s, "Количество")) for s in stores] if stores else [number(text(rest, "Количество"))]
            for q in values:
                if q is not None:
                    total += q
                    seen = True
        return total if seen else None
    per_store = kid(offer, "КоличествоНаСкладах")  # an older shape of the same thing
    if per_store is not None:
        values = [number(text(s, "Количество")) for s in kids(per_store, "КоличествоНаСкладе")]
        return sum((q for q in values if q is not None), Decimal(0))
    return number(text(offer, "Количество"))


def count_package(source) -> dict:
    groups: set[str] = set()
    products: set[str] = set()
    deleted: set[str] = set()
    offers: set[str] = set()
    invalid: set[str] = set()
    units: set[str] = set()
    services: set[str] = set()
    barcodes: dict[str, str] = {}
    vat: dict[str, str] = {}
    full_names: dict[str, str] = {}
    stock: dict[str, Decimal] = {}
    price_types: dict[str, dict] = {}
    raw_prices: list[tuple[str, str, Decimal]] = []
    versions: set[str] = set()
    namespaces: set[str] = set()
    only_changes = False
    files = 0

    def unit_of(elem):
        unit = kid(elem, "БазоваяЕдиница")
        if unit is not None:
            code = (unit.get("Код") or unit.text or "").strip()
            if code:
                units.add(code)

    def barcode_of(elem, record_id):
        code = text(elem, "Штрихкод")
        if code:
            barcodes[record_id] = code

    def read_groups(container):
        for group in kids(container, "Группа"):
            gid = text(group, "Ид")
            if gid and not is_deleted(group):
                groups.add(gid)
            for sub in kids(group, "Группы"):
                read_groups(sub)

    def read_product(item):
        pid = text(item, "Ид")
        if not pid:
            return
        if not is_guid(pid):
            invalid.add(pid)
            return
        if is_deleted(item):
            deleted.add(pid)
            return
        products.add(pid)
        unit_of(item)
        barcode_of(item, pid)
        rates = kid(item, "СтавкиНалогов")
        for rate in kids(rates, "СтавкаНалога") if rates is not None else []:
            vat[pid] = text(rate, "Ставка")
        requisites = kid(item, "ЗначенияРеквизитов")
        for req in kids(requisites, "ЗначениеРеквизита") if requisites is not None else []:
            name = text(req, "Наименование").lower().replace(" ", "")
            value = text(req, "Значение")
            if name in KIND_REQUISITES and value.lower() in SERVICE_WORDS:
                services.add(pid)
            if name in FULL_NAME_REQUISITES and value:
                full_names[pid] = value

    def read_offer(item):
        oid = text(item, "Ид")
        if not oid:
            return
        if not is_guid(oid):
            invalid.add(oid)
            return
        if is_deleted(item):
            return
        offers.add(oid)
        unit_of(item)
        barcode_of(item, oid)
        prices = kid(item, "Цены")
        for price in kids(prices, "Цена") if prices is not None else []:
            value = number(text(price, "ЦенаЗаЕдиницу"))
            if value is not None:
                raw_prices.append((oid, text(price, "ИдТипаЦены"), value))
        quantity = stock_of(item)
        if quantity is not None:
            stock[oid] = quantity

    for _name, data in iter_documents(source):
        try:
            root = ET.fromstring(data)  # noqa: S314 - test packages we wrote or generated ourselves
        except ET.ParseError:
            continue
        if local(root.tag) != "КоммерческаяИнформация":
            continue
        files += 1
        if root.tag.startswith("{"):
            namespaces.add(root.tag[1:].split("}", 1)[0])
        if root.get("ВерсияСхемы"):
            versions.add(root.get("ВерсияСхемы"))
        for elem in root.iter():
            tag = local(elem.tag)
            if tag in {"Классификатор", "Каталог", "ПакетПредложений"}:
                flag = elem.get("СодержитТолькоИзменения") or text(elem, "СодержитТолькоИзменения")
                only_changes = only_changes or flag.strip().lower() in TRUE
            if tag == "ТипЦены" and text(elem, "Ид"):
                price_types[text(elem, "Ид")] = {"name": text(elem, "Наименование"), "currency": text(elem, "Валюта")}
        for section in root:
            tag = local(section.tag)
            if tag == "Классификатор":
                for container in kids(section, "Группы"):
                    read_groups(container)
            elif tag == "Каталог":
                for container in kids(section, "Товары"):
                    for item in kids(container, "Товар"):
                        read_product(item)
            elif tag == "ПакетПредложений":
                for container in kids(section, "Предложения"):
                    for item in kids(container, "Предложение"):
                        read_offer(item)

    prices: dict[str, dict[str, Decimal]] = {}
    for oid, type_id, value in raw_prices:
        name = price_types.get(type_id, {}).get("name") or type_id
        prices.setdefault(name, {})[oid] = value
    return {
        "files": files,
        "versions": versions,
        "namespaces": namespaces,
        "only_changes": only_changes,
        "groups": len(groups),
        "products": len(products),
        "deleted": len(deleted),
        "variants": len({o for o in offers if "#" in o and o.split("#", 1)[1]}),
        "offers": len(offers),
        "price_types": price_types,
        "prices": prices,
        "stock": stock,
        "stock_sum": sum(stock.values(), Decimal(0)),
        "invalid_records": sorted(invalid),
        "units": units,
        "services": len(services),
        "barcodes": barcodes,
        "vat": vat,
        "full_names": full_names,
    }


if __name__ == "__main__":  # pragma: no cover - a helper for people looking at a package by hand
    import pprint
    import sys

    for arg in sys.argv[1:]:
        result = count_package(arg)
        pprint.pprint({k: v for k, v in result.items() if k not in {"stock", "barcodes", "vat", "full_names"}})
