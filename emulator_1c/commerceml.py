"""CommerceML 2 export files (`import.xml`, `offers.xml`), written as a stream of chunks.

The layout follows what 1C (УТ 11, УНФ) writes when it exchanges with a web site: the root
``КоммерческаяИнформация`` in namespace ``urn:1C.ru:commerceml_2`` with ``ВерсияСхемы`` and
``ДатаФормирования``; ``Классификатор`` (Группы, Свойства with ВариантыЗначений) and ``Каталог``
(Товары) in import.xml; ``ПакетПредложений`` (ТипыЦен, Склады, Предложения) in offers.xml.  Ид of
every object is its 1C reference (Ref_Key).

Version 2.05 (default) gives stock as ``<Склад ИдСклада=".." КоличествоНаСкладе=".."/>``, version 2.08 as
``<Остатки><Остаток><Склад><Ид/><Количество/></Склад></Остаток></Остатки>``.  Nothing is built in memory:
products are pulled from an iterator and written out in chunks, so a million products cost no more
memory than ten.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .schema import Profile
from .seed import ProductExtra, Reference
from .util import EMPTY_REF, new_guid

NS = "urn:1C.ru:commerceml_2"
CHUNK = 400  # products per written chunk
VAT = {"НДС10": "10", "НДС20": "20", "БезНДС": "Без налога", "НДС0": "0"}
VALUE_TYPES = {"Строка": "Строка", "Дата": "Время", "Булево": "Строка",
               "СправочникСсылка.ЗначенияСвойствОбъектов": "Справочник"}


@dataclass
class CmlSource:
    ref: Reference
    profile: Profile
    folders: list[dict]
    products: Iterable[tuple[dict, ProductExtra | None]]
    changes_only: bool = False
    version: str = "2.05"
    generated: str = ""

    def ids(self) -> tuple[str, str]:
        rng = random.Random(f"{self.ref.seed}:cml")
        return new_guid(rng), new_guid(rng)  # classifier, catalog


def _t(text: object) -> str:
    return escape(str(text))


def _head(src: CmlSource) -> str:
    when = src.generated or dt.datetime.now().replace(microsecond=0).isoformat()
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<КоммерческаяИнформация xmlns="{NS}" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f"ВерсияСхемы={quoteattr(src.version)} ДатаФормирования={quoteattr(when)}>\n")


def _owner(src: CmlSource) -> str:
    org = src.ref.organization
    return (f"\t\t<Владелец>\n\t\t\t<Ид>{org['Ref_Key']}</Ид>\n"
            f"\t\t\t<Наименование>{_t(org['Description'])}</Наименование>\n"
            f"\t\t\t<ОфициальноеНаименование>{_t(org['НаименованиеПолное'])}</ОфициальноеНаименование>\n"
            f"\t\t\t<ИНН>{org['ИНН']}</ИНН>\n\t\t\t<КПП>{org['КПП']}</КПП>\n\t\t</Владелец>\n")


def _groups(folders: list[dict], parent: str, depth: int) -> str:
    children = [f for f in folders if f.get("Parent_Key") == parent]
    if not children:
        return ""
    pad = "\t" * depth
    out = [f"{pad}<Группы>\n"]
    for f in children:
        out.append(f"{pad}\t<Группа>\n{pad}\t\t<Ид>{f['Ref_Key']}</Ид>\n"
                   f"{pad}\t\t<Наименование>{_t(f['Description'])}</Наименование>\n")
        if f.get("DeletionMark"):
            out.append(f"{pad}\t\t<ПометкаУдаления>true</ПометкаУдаления>\n")
        out.append(_groups(folders, f["Ref_Key"], depth + 2))
        out.append(f"{pad}\t</Группа>\n")
    out.append(f"{pad}</Группы>\n")
    return "".join(out)


def _properties(src: CmlSource) -> str:
    props = src.ref.records.get("ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения", [])
    values = src.ref.records.get("Catalog_ЗначенияСвойствОбъектов", [])
    out = ["\t\t<Свойства>\n"]
    for p in props:
        vtype = VALUE_TYPES.get(p["ТипЗначения"], "Строка")
        out.append(f"\t\t\t<Свойство>\n\t\t\t\t<Ид>{p['Ref_Key']}</Ид>\n"
                   f"\t\t\t\t<Наименование>{_t(p['Заголовок'])}</Наименование>\n"
                   f"\t\t\t\t<ТипЗначений>{vtype}</ТипЗначений>\n")
        if vtype == "Справочник":
            out.append("\t\t\t\t<ВариантыЗначений>\n")
            for v in values:
                if v.get("Owner_Key") == p["Ref_Key"]:
                    out.append(f"\t\t\t\t\t<Справочник>\n\t\t\t\t\t\t<ИдЗначения>{v['Ref_Key']}</ИдЗначения>\n"
                               f"\t\t\t\t\t\t<Значение>{_t(v['Description'])}</Значение>\n\t\t\t\t\t</Справочник>\n")
            out.append("\t\t\t\t</ВариантыЗначений>\n")
        out.append("\t\t\t</Свойство>\n")
    out.append("\t\t</Свойства>\n")
    return "".join(out)


class _Lookups:
    def __init__(self, src: CmlSource) -> None:
        recs = src.ref.records
        self.units = {u["Ref_Key"]: u for u in recs.get(src.profile.units, [])}
        self.makers = {m["Ref_Key"]: m for m in recs.get("Catalog_Производители", [])}
        self.kinds = {k["Ref_Key"]: k["Description"] for k in recs.get("Catalog_ВидыНоменклатуры", [])}
        self.prop_type = {p["Ref_Key"]: p["ТипЗначения"] for p in
                          recs.get("ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения", [])}

    def unit_xml(self, key: str, tag: str = "БазоваяЕдиница") -> str:
        u = self.units.get(key)
        if not u:
            return f"<{tag}/>"
        return (f"<{tag} Код={quoteattr(u['Code'])} НаименованиеПолное={quoteattr(u['НаименованиеПолное'])} "
                f"МеждународноеСокращение={quoteattr(u['МеждународноеСокращение'])}>{_t(u['Description'])}</{tag}>")


def _cml_value(value: object, vtype: str) -> str:
    if isinstance(value, bool):
        return "Да" if value else "Нет"
    if vtype == "Дата" and isinstance(value, str):
        return value[:10]
    return str(value)


def _product(rec: dict, lk: _Lookups, src: CmlSource) -> str:
    status = ' Статус="Удален"' if rec.get("DeletionMark") else ""
    out = [f"\t\t\t<Товар{status}>\n\t\t\t\t<Ид>{rec['Ref_Key']}</Ид>\n",
           f"\t\t\t\t<Артикул>{_t(rec.get('Артикул', ''))}</Артикул>\n",
           f"\t\t\t\t<Наименование>{_t(rec['Description'])}</Наименование>\n",
           f"\t\t\t\t{lk.unit_xml(rec.get('ЕдиницаИзмерения_Key', EMPTY_REF))}\n"]
    if rec.get("Parent_Key", EMPTY_REF) != EMPTY_REF:
        out.append(f"\t\t\t\t<Группы>\n\t\t\t\t\t<Ид>{rec['Parent_Key']}</Ид>\n\t\t\t\t</Группы>\n")
    if rec.get("Описание"):
        out.append(f"\t\t\t\t<Описание>{_t(rec['Описание'])}</Описание>\n")
    maker = lk.makers.get(rec.get("Производитель_Key", EMPTY_REF))
    if maker:
        out.append(f"\t\t\t\t<Изготовитель>\n\t\t\t\t\t<Ид>{maker['Ref_Key']}</Ид>\n"
                   f"\t\t\t\t\t<Наименование>{_t(maker['Description'])}</Наименование>\n"
                   f"\t\t\t\t\t<ОфициальноеНаименование>{_t(maker['НаименованиеПолное'])}</ОфициальноеНаименование>\n"
                   "\t\t\t\t</Изготовитель>\n")
    rows = rec.get("ДополнительныеРеквизиты") or []
    if rows:
        out.append("\t\t\t\t<ЗначенияСвойств>\n")
        for row in rows:
            vtype = lk.prop_type.get(row["Свойство_Key"], "Строка")
            out.append(f"\t\t\t\t\t<ЗначенияСвойства>\n\t\t\t\t\t\t<Ид>{row['Свойство_Key']}</Ид>\n"
                       f"\t\t\t\t\t\t<Значение>{_t(_cml_value(row['Значение'], vtype))}</Значение>\n"
                       "\t\t\t\t\t</ЗначенияСвойства>\n")
        out.append("\t\t\t\t</ЗначенияСвойств>\n")
    rate = VAT.get(rec.get("СтавкаНДС", ""), "Без налога")
    out.append(f"\t\t\t\t<СтавкиНалогов>\n\t\t\t\t\t<СтавкаНалога>\n\t\t\t\t\t\t<Наименование>НДС</Наименование>\n"
               f"\t\t\t\t\t\t<Ставка>{rate}</Ставка>\n\t\t\t\t\t</СтавкаНалога>\n\t\t\t\t</СтавкиНалогов>\n")
    requisites = [("ВидНоменклатуры", lk.kinds.get(rec.get("ВидНоменклатуры_Key", ""), "")),
                  ("ТипНоменклатуры", rec.get("ТипНоменклатуры", "Товар")),
                  ("Полное наименование", rec.get("НаименованиеПолное", ""))]
    if src.profile.ru_as_requisite:
        requisites += [("Регистрационное удостоверение", rec.get("РегистрационноеУдостоверение", "")),
                       ("Дата регистрации РУ", (rec.get("ДатаРегистрацииРУ") or "")[:10]),
                       ("Срок действия РУ", "" if (rec.get("СрокДействияРУ") or "").startswith("0001")
                        else (rec.get("СрокДействияРУ") or "")[:10])]
    out.append("\t\t\t\t<ЗначенияРеквизитов>\n")
    for name, value in requisites:
        out.append(f"\t\t\t\t\t<ЗначениеРеквизита>\n\t\t\t\t\t\t<Наименование>{_t(name)}</Наименование>\n"
                   f"\t\t\t\t\t\t<Значение>{_t(value)}</Значение>\n\t\t\t\t\t</ЗначениеРеквизита>\n")
    out.append("\t\t\t\t</ЗначенияРеквизитов>\n")
    out.append(f"\t\t\t\t<ПометкаУдаления>{'true' if rec.get('DeletionMark') else 'false'}</ПометкаУдаления>\n"
               "\t\t\t</Товар>\n")
    return "".join(out)


def _chunked(src: CmlSource, render) -> Iterator[bytes]:
    buf: list[str] = []
    for rec, extra in src.products:
        if rec.get("IsFolder"):
            continue
        buf.append(render(rec, extra))
        if len(buf) >= CHUNK:
            yield "".join(buf).encode("utf-8")
            buf.clear()
    if buf:
        yield "".join(buf).encode("utf-8")


def import_xml(src: CmlSource) -> Iterator[bytes]:
    classifier_id, catalog_id = src.ids()
    lk = _Lookups(src)
    head = [_head(src), "\t<Классификатор>\n", f"\t\t<Ид>{classifier_id}</Ид>\n",
            "\t\t<Наименование>Классификатор (Основной каталог товаров)</Наименование>\n", _owner(src),
            _groups(src.folders, EMPTY_REF, 2), _properties(src), "\t</Классификатор>\n",
            f'\t<Каталог СодержитТолькоИзменения="{"true" if src.changes_only else "false"}">\n',
            f"\t\t<Ид>{catalog_id}</Ид>\n\t\t<ИдКлассификатора>{classifier_id}</ИдКлассификатора>\n",
            "\t\t<Наименование>Основной каталог товаров</Наименование>\n", _owner(src), "\t\t<Товары>\n"]
    yield "".join(head).encode("utf-8")
    yield from _chunked(src, lambda rec, _extra: _product(rec, lk, src))
    yield "\t\t</Товары>\n\t</Каталог>\n</КоммерческаяИнформация>\n".encode()


def offers_xml(src: CmlSource) -> Iterator[bytes]:
    classifier_id, catalog_id = src.ids()
    lk = _Lookups(src)
    price_types = src.ref.price_types
    warehouses = src.ref.warehouses
    head = [_head(src), f'\t<ПакетПредложений СодержитТолькоИзменения="{"true" if src.changes_only else "false"}">\n',
            f"\t\t<Ид>{catalog_id}#</Ид>\n", "\t\t<Наименование>Пакет предложений (Основной каталог товаров)"
            "</Наименование>\n", f"\t\t<ИдКаталога>{catalog_id}</ИдКаталога>\n",
            f"\t\t<ИдКлассификатора>{classifier_id}</ИдКлассификатора>\n", _owner(src), "\t\t<ТипыЦен>\n"]
    for pt in price_types:
        head.append(f"\t\t\t<ТипЦены>\n\t\t\t\t<Ид>{pt['Ref_Key']}</Ид>\n\t\t\t\t<Наименование>{_t(pt['Description'])}"
                    f"</Наименование>\n\t\t\t\t<Валюта>RUB</Валюта>\n\t\t\t\t<Налог>\n\t\t\t\t\t<Наименование>НДС"
                    f"</Наименование>\n\t\t\t\t\t<УчтеноВСумме>{'true' if pt['ЦенаВключаетНДС'] else 'false'}"
                    "</УчтеноВСумме>\n\t\t\t\t\t<Акциз>false</Акциз>\n\t\t\t\t</Налог>\n\t\t\t</ТипЦены>\n")
    head.append("\t\t</ТипыЦен>\n\t\t<Склады>\n")
    for wh in warehouses:
        head.append(f"\t\t\t<Склад>\n\t\t\t\t<Ид>{wh['Ref_Key']}</Ид>\n\t\t\t\t<Наименование>{_t(wh['Description'])}"
                    "</Наименование>\n\t\t\t</Склад>\n")
    head.append("\t\t</Склады>\n\t\t<Предложения>\n")
    yield "".join(head).encode("utf-8")
    new_stock = src.version >= "2.08"

    def offer(rec: dict, extra: ProductExtra | None) -> str:
        extra = extra or ProductExtra((0.0, 0.0), (0, 0))
        unit = lk.units.get(rec.get("ЕдиницаИзмерения_Key", EMPTY_REF))
        unit_name = unit["Description"] if unit else "шт"
        out = [f"\t\t\t<Предложение>\n\t\t\t\t<Ид>{rec['Ref_Key']}</Ид>\n",
               f"\t\t\t\t<Артикул>{_t(rec.get('Артикул', ''))}</Артикул>\n",
               f"\t\t\t\t<Наименование>{_t(rec['Description'])}</Наименование>\n",
               f"\t\t\t\t{lk.unit_xml(rec.get('ЕдиницаИзмерения_Key', EMPTY_REF))}\n", "\t\t\t\t<Цены>\n"]
        for pt, price in zip(price_types, extra.prices, strict=False):
            out.append(f"\t\t\t\t\t<Цена>\n\t\t\t\t\t\t<Представление>{price:.2f} RUB за {_t(unit_name)}"
                       f"</Представление>\n\t\t\t\t\t\t<ИдТипаЦены>{pt['Ref_Key']}</ИдТипаЦены>\n"
                       f"\t\t\t\t\t\t<ЦенаЗаЕдиницу>{price:.2f}</ЦенаЗаЕдиницу>\n\t\t\t\t\t\t<Валюта>RUB</Валюта>\n"
                       f"\t\t\t\t\t\t<Единица>{_t(unit_name)}</Единица>\n\t\t\t\t\t\t<Коэффициент>1</Коэффициент>\n"
                       "\t\t\t\t\t</Цена>\n")
        out.append(f"\t\t\t\t</Цены>\n\t\t\t\t<Количество>{sum(extra.stock)}</Количество>\n")
        if new_stock:
            out.append("\t\t\t\t<Остатки>\n")
            for wh, qty in zip(warehouses, extra.stock, strict=False):
                out.append(f"\t\t\t\t\t<Остаток>\n\t\t\t\t\t\t<Склад>\n\t\t\t\t\t\t\t<Ид>{wh['Ref_Key']}</Ид>\n"
                           f"\t\t\t\t\t\t\t<Количество>{qty}</Количество>\n\t\t\t\t\t\t</Склад>\n"
                           "\t\t\t\t\t</Остаток>\n")
            out.append("\t\t\t\t</Остатки>\n")
        else:
            for wh, qty in zip(warehouses, extra.stock, strict=False):
                out.append(f'\t\t\t\t<Склад ИдСклада="{wh["Ref_Key"]}" КоличествоНаСкладе="{qty}"/>\n')
        out.append("\t\t\t</Предложение>\n")
        return "".join(out)

    yield from _chunked(src, offer)
    yield "\t\t</Предложения>\n\t</ПакетПредложений>\n</КоммерческаяИнформация>\n".encode()


def write_files(directory: str, src_factory) -> dict[str, int]:
    """Write import.xml and offers.xml; ``src_factory()`` must give a fresh source for each file."""
    import os

    os.makedirs(directory, exist_ok=True)
    sizes = {}
    for name, writer in (("import.xml", import_xml), ("offers.xml", offers_xml)):
        path = os.path.join(directory, name)
        with open(path, "wb") as fh:
            for chunk in writer(src_factory()):
                fh.write(chunk)
        sizes[name] = os.path.getsize(path)
    return sizes


__all__ = ["CmlSource", "import_xml", "offers_xml", "write_files", "NS"]
