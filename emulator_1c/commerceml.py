"""CommerceML 2 export files, written as a stream of chunks, in the shapes 1C really writes.

The layout follows what 1C (УТ 10.3, УТ 11, УНФ) writes when it exchanges with a web site: the root
``КоммерческаяИнформация`` with ``ВерсияСхемы`` and ``ДатаФормирования``; ``Классификатор`` (Группы,
Свойства with ВариантыЗначений) and ``Каталог`` (Товары) in the import file; ``ПакетПредложений``
(ТипыЦен, Склады, Предложения) in the offers file.  Ид of every object is its 1C reference (Ref_Key).

What changes with the version (``CmlSource.version``):

- namespace ``urn:1C.ru:commerceml_2`` up to 2.09, ``urn:1C.ru:commerceml_210`` from 2.10;
- stock: 2.03 only ``<Количество>``; 2.04–2.07 also ``<Склад ИдСклада=".." КоличествоНаСкладе=".."/>`` per
  warehouse (2.05 is the default); from 2.08 ``<Остатки><Остаток><Склад><Ид/><Количество/></Склад>…``;
- split files (2.10 by default, 2.08/2.09 on request): the offers file only names the offers (Штрихкод,
  Артикул, Наименование, БазоваяЕдиница, ХарактеристикиТовара), ``prices`` carries their ``Цены`` and
  ``rests`` their ``Остатки``, as УТ 11 writes ``prices___*.xml`` / ``rests___*.xml``;
- 2.10 also writes product barcodes (``Штрихкод``) and the unit code as 1C pads it (``Код="796 "``).

``CmlSource.characteristics`` (0..1) gives that share of products characteristics (2–4 each: size, volume,
colour or gauge): their offers are ``<product>#<characteristic>`` with ``ХарактеристикиТовара``, own prices,
stock and barcode, and the product then has no offer of its own, as in УТ 11.

:func:`write_package` writes a whole exchange in one pass over the products, cut into numbered parts, in
the layout of the HTTP exchange (``import0_1.xml``, ``offers0_1.xml``, ``prices0_1.xml``, ``rests0_1.xml``)
or of a folder export (``webdata/000000001/…/goods/1/import___<guid>.xml``), optionally zipped.  Nothing
is built in memory: products are pulled from an iterator and written out in chunks, so a million products
cost no more memory than ten.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .schema import Profile
from .seed import ProductExtra, Reference
from .util import EMPTY_REF, new_guid

NS = "urn:1C.ru:commerceml_2"
NS_210 = "urn:1C.ru:commerceml_210"
VERSIONS = ("2.03", "2.04", "2.05", "2.07", "2.08", "2.09", "2.10")
LAYOUTS = ("plain", "http", "webdata")
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
    characteristics: float = 0.0  # share of products sold by characteristics
    split: bool | None = None  # prices and rests in their own files; None: from 2.10 on

    def ids(self) -> tuple[str, str]:
        rng = random.Random(f"{self.ref.seed}:cml")
        return new_guid(rng), new_guid(rng)  # classifier, catalog

    @property
    def namespace(self) -> str:
        return NS_210 if self.version >= "2.10" else NS

    @property
    def split_files(self) -> bool:
        if self.version < "2.08":
            return False
        return self.version >= "2.10" if self.split is None else self.split

    @property
    def new_stock(self) -> bool:
        return self.version >= "2.08"


@dataclass
class Variant:
    """A characteristic of a product, as УТ 11 sells it: its own reference, features, prices, stock, barcode."""

    key: str
    features: list[tuple[str, str]]
    prices: tuple[float, ...]
    stock: tuple[int, ...]
    barcode: str


FEATURES = [
    ("Размер", ["XS", "S", "M", "L", "XL"]),
    ("Объём", ["2 мл", "5 мл", "10 мл", "20 мл"]),
    ("Цвет", ["белый", "голубой", "зелёный", "розовый"]),
    ("Диаметр", ["18G", "20G", "22G", "24G"]),
]


def ean13(base12: str) -> str:
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(base12))
    return base12 + str((10 - total % 10) % 10)


def product_barcode(rec: dict) -> str:
    return ean13("460" + str(int(rec["Ref_Key"].replace("-", "")[:12], 16) % 10**9).zfill(9))


def variants(src: CmlSource, rec: dict, extra: ProductExtra) -> list[Variant]:
    """The product's characteristics (none for most products); the same seed always gives the same ones."""
    if src.characteristics <= 0:
        return []
    rng = random.Random(f"{src.ref.seed}:char:{rec['Ref_Key']}")
    if rng.random() >= src.characteristics:
        return []
    feature, values = FEATURES[rng.randrange(len(FEATURES))]
    count = rng.randint(2, min(4, len(values)))
    start = rng.randrange(len(values) - count + 1)
    out = []
    for j, value in enumerate(values[start:start + count]):
        factor = 1 + 0.05 * j
        # 1C's own (weight/internal) barcodes start with 2: a characteristic rarely has a maker's EAN.
        barcode = ean13(f"2{rng.randrange(10**11):011d}")
        out.append(Variant(new_guid(rng), [(feature, value)], tuple(round(p * factor, 2) for p in extra.prices),
                           tuple(rng.randint(0, q) if q else 0 for q in extra.stock), barcode))
    return out


def _t(text: object) -> str:
    return escape(str(text))


def _head(src: CmlSource) -> str:
    when = src.generated or dt.datetime.now().replace(microsecond=0).isoformat()
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<КоммерческаяИнформация xmlns="{src.namespace}" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
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
        self.pad_code = src.version >= "2.10"  # 1C writes the OKEI code padded to four characters
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
        code = u["Code"].ljust(4) if self.pad_code else u["Code"]
        return (f"<{tag} Код={quoteattr(code)} НаименованиеПолное={quoteattr(u['НаименованиеПолное'])} "
                f"МеждународноеСокращение={quoteattr(u['МеждународноеСокращение'])}>{_t(u['Description'])}</{tag}>")


def _cml_value(value: object, vtype: str) -> str:
    if isinstance(value, bool):
        return "Да" if value else "Нет"
    if vtype == "Дата" and isinstance(value, str):
        return value[:10]
    return str(value)


def _product(rec: dict, lk: _Lookups, src: CmlSource) -> str:
    status = ' Статус="Удален"' if rec.get("DeletionMark") else ""
    out = [f"\t\t\t<Товар{status}>\n\t\t\t\t<Ид>{rec['Ref_Key']}</Ид>\n"]
    if src.version >= "2.10":
        out.append(f"\t\t\t\t<Штрихкод>{product_barcode(rec)}</Штрихкод>\n")
    out += [f"\t\t\t\t<Артикул>{_t(rec.get('Артикул', ''))}</Артикул>\n",
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


# --- the pieces of each file ---------------------------------------------------------------------------------


def _classifier(src: CmlSource) -> str:
    classifier_id, _catalog_id = src.ids()
    return "".join([
        "\t<Классификатор>\n", f"\t\t<Ид>{classifier_id}</Ид>\n",
        "\t\t<Наименование>Классификатор (Основной каталог товаров)</Наименование>\n", _owner(src),
        _groups(src.folders, EMPTY_REF, 2), _properties(src), "\t</Классификатор>\n"])


def _catalog_head(src: CmlSource) -> str:
    classifier_id, catalog_id = src.ids()
    return "".join([
        f'\t<Каталог СодержитТолькоИзменения="{"true" if src.changes_only else "false"}">\n',
        f"\t\t<Ид>{catalog_id}</Ид>\n\t\t<ИдКлассификатора>{classifier_id}</ИдКлассификатора>\n",
        "\t\t<Наименование>Основной каталог товаров</Наименование>\n", _owner(src), "\t\t<Товары>\n"])


CATALOG_TAIL = "\t\t</Товары>\n\t</Каталог>\n</КоммерческаяИнформация>\n"
OFFERS_TAIL = "\t\t</Предложения>\n\t</ПакетПредложений>\n</КоммерческаяИнформация>\n"


def _package_head(src: CmlSource, with_types: bool = True, with_offers: bool = True) -> str:
    classifier_id, catalog_id = src.ids()
    head = [f'\t<ПакетПредложений СодержитТолькоИзменения="{"true" if src.changes_only else "false"}">\n',
            f"\t\t<Ид>{catalog_id}#</Ид>\n", "\t\t<Наименование>Пакет предложений (Основной каталог товаров)"
            "</Наименование>\n", f"\t\t<ИдКаталога>{catalog_id}</ИдКаталога>\n",
            f"\t\t<ИдКлассификатора>{classifier_id}</ИдКлассификатора>\n", _owner(src)]
    if with_types:
        head.append("\t\t<ТипыЦен>\n")
        for pt in src.ref.price_types:
            head.append(f"\t\t\t<ТипЦены>\n\t\t\t\t<Ид>{pt['Ref_Key']}</Ид>\n\t\t\t\t<Наименование>"
                        f"{_t(pt['Description'])}</Наименование>\n\t\t\t\t<Валюта>RUB</Валюта>\n\t\t\t\t<Налог>\n"
                        "\t\t\t\t\t<Наименование>НДС</Наименование>\n\t\t\t\t\t<УчтеноВСумме>"
                        f"{'true' if pt['ЦенаВключаетНДС'] else 'false'}</УчтеноВСумме>\n\t\t\t\t\t<Акциз>false"
                        "</Акциз>\n\t\t\t\t</Налог>\n\t\t\t</ТипЦены>\n")
        head.append("\t\t</ТипыЦен>\n\t\t<Склады>\n")
        for wh in src.ref.warehouses:
            head.append(f"\t\t\t<Склад>\n\t\t\t\t<Ид>{wh['Ref_Key']}</Ид>\n\t\t\t\t<Наименование>"
                        f"{_t(wh['Description'])}</Наименование>\n\t\t\t</Склад>\n")
        head.append("\t\t</Склады>\n")
    if with_offers:
        head.append("\t\t<Предложения>\n")
    return "".join(head)


class _Offers:
    """Renders the offers of one product (itself, or its characteristics) for the offers, prices and rests files."""

    def __init__(self, src: CmlSource) -> None:
        self.src = src
        self.lk = _Lookups(src)
        self._last: tuple[str, list] = ("", [])

    def entries(self, rec: dict, extra: ProductExtra | None):
        """(Ид, Артикул, Наименование, features, prices, stock, barcode) of each offer of the product."""
        # The offers, prices and rests files of one pass ask for the same product in turn: compute it once.
        if self._last[0] != rec["Ref_Key"]:
            self._last = (rec["Ref_Key"], self._entries(rec, extra))
        return self._last[1]

    def _entries(self, rec: dict, extra: ProductExtra | None):
        extra = extra or ProductExtra((0.0, 0.0), (0, 0))
        own = variants(self.src, rec, extra)
        if not own:
            barcode = product_barcode(rec) if self.src.version >= "2.10" else ""
            return [(rec["Ref_Key"], rec.get("Артикул", ""), rec["Description"], [], extra.prices, extra.stock,
                     barcode)]
        return [(f"{rec['Ref_Key']}#{v.key}", f"{rec.get('Артикул', '')}-{j + 1}",
                 f"{rec['Description']} ({', '.join(value for _n, value in v.features)})", v.features, v.prices,
                 v.stock, v.barcode) for j, v in enumerate(own)]

    def _unit_name(self, rec: dict) -> str:
        unit = self.lk.units.get(rec.get("ЕдиницаИзмерения_Key", EMPTY_REF))
        return unit["Description"] if unit else "шт"

    def _names(self, rec: dict, oid: str, art: str, name: str, features, barcode: str) -> list[str]:
        out = [f"\t\t\t<Предложение>\n\t\t\t\t<Ид>{oid}</Ид>\n"]
        if barcode:
            out.append(f"\t\t\t\t<Штрихкод>{barcode}</Штрихкод>\n")
        out += [f"\t\t\t\t<Артикул>{_t(art)}</Артикул>\n", f"\t\t\t\t<Наименование>{_t(name)}</Наименование>\n",
                f"\t\t\t\t{self.lk.unit_xml(rec.get('ЕдиницаИзмерения_Key', EMPTY_REF))}\n"]
        if features:
            out.append("\t\t\t\t<ХарактеристикиТовара>\n")
            for fname, value in features:
                out.append(f"\t\t\t\t\t<ХарактеристикаТовара>\n\t\t\t\t\t\t<Наименование>{_t(fname)}</Наименование>\n"
                           f"\t\t\t\t\t\t<Значение>{_t(value)}</Значение>\n\t\t\t\t\t</ХарактеристикаТовара>\n")
            out.append("\t\t\t\t</ХарактеристикиТовара>\n")
        return out

    def _prices(self, unit_name: str, prices) -> list[str]:
        out = ["\t\t\t\t<Цены>\n"]
        for pt, price in zip(self.src.ref.price_types, prices, strict=False):
            out.append(f"\t\t\t\t\t<Цена>\n\t\t\t\t\t\t<Представление>{price:.2f} RUB за {_t(unit_name)}"
                       f"</Представление>\n\t\t\t\t\t\t<ИдТипаЦены>{pt['Ref_Key']}</ИдТипаЦены>\n"
                       f"\t\t\t\t\t\t<ЦенаЗаЕдиницу>{price:.2f}</ЦенаЗаЕдиницу>\n\t\t\t\t\t\t<Валюта>RUB</Валюта>\n"
                       f"\t\t\t\t\t\t<Единица>{_t(unit_name)}</Единица>\n\t\t\t\t\t\t<Коэффициент>1</Коэффициент>\n"
                       "\t\t\t\t\t</Цена>\n")
        out.append("\t\t\t\t</Цены>\n")
        return out

    def _rests(self, stock) -> list[str]:
        out = ["\t\t\t\t<Остатки>\n"]
        for wh, qty in zip(self.src.ref.warehouses, stock, strict=False):
            out.append(f"\t\t\t\t\t<Остаток>\n\t\t\t\t\t\t<Склад>\n\t\t\t\t\t\t\t<Ид>{wh['Ref_Key']}</Ид>\n"
                       f"\t\t\t\t\t\t\t<Количество>{qty}</Количество>\n\t\t\t\t\t\t</Склад>\n\t\t\t\t\t</Остаток>\n")
        out.append("\t\t\t\t</Остатки>\n")
        return out

    def offers(self, rec: dict, extra: ProductExtra | None) -> str:
        """The offers file: everything in one element, or (split files) only what names the offer."""
        out: list[str] = []
        unit_name = self._unit_name(rec)
        for oid, art, name, features, prices, stock, barcode in self.entries(rec, extra):
            out += self._names(rec, oid, art, name, features, barcode)
            if not self.src.split_files:
                out += self._prices(unit_name, prices)
                out.append(f"\t\t\t\t<Количество>{sum(stock)}</Количество>\n")
                if self.src.new_stock:
                    out += self._rests(stock)
                elif self.src.version >= "2.04":
                    for wh, qty in zip(self.src.ref.warehouses, stock, strict=False):
                        out.append(f'\t\t\t\t<Склад ИдСклада="{wh["Ref_Key"]}" КоличествоНаСкладе="{qty}"/>\n')
            out.append("\t\t\t</Предложение>\n")
        return "".join(out)

    def prices(self, rec: dict, extra: ProductExtra | None) -> str:
        out: list[str] = []
        unit_name = self._unit_name(rec)
        for oid, _art, _name, _features, prices, _stock, _barcode in self.entries(rec, extra):
            out += [f"\t\t\t<Предложение>\n\t\t\t\t<Ид>{oid}</Ид>\n", *self._prices(unit_name, prices),
                    "\t\t\t</Предложение>\n"]
        return "".join(out)

    def rests(self, rec: dict, extra: ProductExtra | None) -> str:
        out: list[str] = []
        for oid, _art, _name, _features, _prices, stock, _barcode in self.entries(rec, extra):
            out += [f"\t\t\t<Предложение>\n\t\t\t\t<Ид>{oid}</Ид>\n", *self._rests(stock), "\t\t\t</Предложение>\n"]
        return "".join(out)


# --- whole files, streamed (what the HTTP routes serve) ----------------------------------------------------


def import_xml(src: CmlSource) -> Iterator[bytes]:
    lk = _Lookups(src)
    yield (_head(src) + _classifier(src) + _catalog_head(src)).encode("utf-8")
    yield from _chunked(src, lambda rec, _extra: _product(rec, lk, src))
    yield CATALOG_TAIL.encode()


def offers_xml(src: CmlSource) -> Iterator[bytes]:
    render = _Offers(src)
    yield (_head(src) + _package_head(src)).encode("utf-8")
    yield from _chunked(src, render.offers)
    yield OFFERS_TAIL.encode()


def prices_xml(src: CmlSource) -> Iterator[bytes]:
    """``prices*.xml`` of a split exchange (2.08+): the offers' Цены only."""
    render = _Offers(src)
    yield (_head(src) + _package_head(src, with_types=False)).encode("utf-8")
    yield from _chunked(src, render.prices)
    yield OFFERS_TAIL.encode()


def rests_xml(src: CmlSource) -> Iterator[bytes]:
    """``rests*.xml`` of a split exchange (2.08+): the offers' Остатки only."""
    render = _Offers(src)
    yield (_head(src) + _package_head(src, with_types=False)).encode("utf-8")
    yield from _chunked(src, render.rests)
    yield OFFERS_TAIL.encode()


WRITERS = {"import.xml": import_xml, "offers.xml": offers_xml, "prices.xml": prices_xml, "rests.xml": rests_xml}


def write_files(directory: str, src_factory) -> dict[str, int]:
    """Write import.xml and offers.xml (and prices.xml, rests.xml when the source splits them);
    ``src_factory()`` must give a fresh source for each file."""
    os.makedirs(directory, exist_ok=True)
    sizes = {}
    names = ["import.xml", "offers.xml"]
    if src_factory().split_files:
        names += ["prices.xml", "rests.xml"]
    for name in names:
        path = os.path.join(directory, name)
        with open(path, "wb") as fh:
            for chunk in WRITERS[name](src_factory()):
                fh.write(chunk)
        sizes[name] = os.path.getsize(path)
    return sizes


# --- a whole exchange in one pass: numbered parts, folder layouts, zip --------------------------------------


class _PartWriter:
    """The files of one part, open together: each product is rendered once into all of them."""

    def __init__(self, paths: dict[str, str], heads: dict[str, str]) -> None:
        self.paths = paths
        self.handles = {}
        for kind, path in paths.items():
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fh = open(path, "wb")  # noqa: SIM115 - closed in close()
            fh.write(heads[kind].encode("utf-8"))
            self.handles[kind] = fh
        self.buffers: dict[str, list[str]] = {kind: [] for kind in paths}

    def add(self, kind: str, text: str) -> None:
        buf = self.buffers[kind]
        buf.append(text)
        if len(buf) >= CHUNK:
            self.handles[kind].write("".join(buf).encode("utf-8"))
            buf.clear()

    def close(self, tails: dict[str, str]) -> None:
        for kind, fh in self.handles.items():
            fh.write("".join(self.buffers[kind]).encode("utf-8"))
            fh.write(tails[kind].encode("utf-8"))
            fh.close()


def _file_guid(src: CmlSource, label: str) -> str:
    return new_guid(random.Random(f"{src.ref.seed}:cmlfile:{label}"))


def _part_paths(src: CmlSource, layout: str, part: int) -> dict[str, str]:
    kinds = ["import", "offers"] + (["prices", "rests"] if src.split_files else [])
    if layout == "plain":
        return {k: f"{k}.xml" for k in kinds}
    if layout == "http":
        return {k: f"{k}0_{part}.xml" for k in kinds}
    return {k: f"webdata/000000001/goods/{part}/{k}___{_file_guid(src, f'{k}:{part}')}.xml" for k in kinds}


def write_package(directory: str, src: CmlSource, layout: str = "plain", part_size: int = 0,
                  zip_path: str | None = None) -> dict[str, int]:
    """Write a whole exchange into ``directory`` in one pass over ``src.products``.

    ``layout``: ``plain`` (import.xml, offers.xml[, prices.xml, rests.xml]), ``http`` (numbered parts
    ``import0_1.xml``, ``offers0_1.xml``, ``prices0_1.xml``, ``rests0_1.xml``, then ``…0_2.xml``; the Классификатор
    in the first import part) or ``webdata`` (``webdata/000000001/import___<guid>.xml`` with the Классификатор,
    ``offers___<guid>.xml`` with ТипыЦен and Склады, products in ``goods/<n>/{import,offers,prices,rests}___<guid>
    .xml``).  ``part_size`` products per part (0: one part; ``plain`` is always one part).  With ``zip_path`` the
    files are also packed into that zip, paths relative to ``directory``.  Returns {relative path: size}.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    if layout == "plain":
        part_size = 0
    lk = _Lookups(src)
    render = _Offers(src)
    head = _head(src)
    written: list[str] = []

    if layout == "webdata":
        root = "webdata/000000001"
        for rel, body in ((f"{root}/import___{_file_guid(src, 'import')}.xml", _classifier(src)),
                          (f"{root}/offers___{_file_guid(src, 'offers')}.xml",
                           _package_head(src, with_offers=False) + "\t</ПакетПредложений>\n")):
            path = os.path.join(directory, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write((head + body + "</КоммерческаяИнформация>\n").encode("utf-8"))
            written.append(rel)

    def open_part(part: int) -> _PartWriter:
        rels = _part_paths(src, layout, part)
        written.extend(rels.values())
        with_classifier = part == 1 and layout != "webdata"
        heads = {"import": head + (_classifier(src) if with_classifier else "") + _catalog_head(src),
                 "offers": head + _package_head(src, with_types=layout != "webdata"),
                 "prices": head + _package_head(src, with_types=False),
                 "rests": head + _package_head(src, with_types=False)}
        return _PartWriter({k: os.path.join(directory, rel) for k, rel in rels.items()}, heads)

    tails = {"import": CATALOG_TAIL, "offers": OFFERS_TAIL, "prices": OFFERS_TAIL, "rests": OFFERS_TAIL}
    part, in_part = 1, 0
    writer = open_part(part)
    for rec, extra in src.products:
        if rec.get("IsFolder"):
            continue
        if part_size and in_part >= part_size:
            writer.close(tails)
            part, in_part = part + 1, 0
            writer = open_part(part)
        writer.add("import", _product(rec, lk, src))
        writer.add("offers", render.offers(rec, extra))
        if src.split_files:
            writer.add("prices", render.prices(rec, extra))
            writer.add("rests", render.rests(rec, extra))
        in_part += 1
    writer.close(tails)

    if zip_path:
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
            for rel in written:
                zf.write(os.path.join(directory, rel), rel)
    return {rel: os.path.getsize(os.path.join(directory, rel)) for rel in written}


__all__ = ["CmlSource", "import_xml", "offers_xml", "prices_xml", "rests_xml", "write_files", "write_package",
           "variants", "NS", "NS_210", "VERSIONS", "LAYOUTS"]
