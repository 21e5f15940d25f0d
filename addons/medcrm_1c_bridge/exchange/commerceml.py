"""CommerceML 2 packages (schema 2.03 … 2.10) as 1C writes them, parsed as a stream.

A *package* is what one exchange of 1C leaves behind: ``import.xml`` and ``offers.xml`` of the old
versions, numbered parts (``import0_1.xml``, ``offers0_2.xml``), subfolders (``webdata/000000001/…``), from
2.08 prices and stock split off into ``prices*.xml`` and ``rests*.xml``, the whole sometimes in a zip.
Files are found by their **content**, never by one name: every ``*.xml`` under the folder (or in the zip)
is opened, its root ``КоммерческаяИнформация`` gives the schema (``ВерсияСхемы``, the namespace:
``urn:1C.ru:commerceml_2``, ``urn:1C.ru:commerceml_210``, … — elements are matched by local name in
any namespace), and its first section says what it holds: ``Классификатор``/``Каталог`` (groups,
properties, products) or ``ПакетПредложений`` (price types, offers, prices, stock). Encodings are what
the XML declaration says (UTF-8, windows-1251).

Offers are keyed by their whole ``Ид``: ``<product>`` or ``<product>#<characteristic>``. A
characteristic becomes a variant of its product (:meth:`CommerceMLTransport.variants`) with its own
price, stock and barcode. Nothing is guessed silently: a price type that is not in the feed, a currency
that cannot be converted, a record whose ``Ид`` is not a GUID — each is reported (``self.warnings``,
or an ``error`` record) and the rest of the package is read.

A URL (http/https) names a zip, or a folder published over HTTP where the names 1C writes are tried:
``import.xml``, ``offers.xml``, ``prices.xml``, ``rests.xml`` and their numbered parts ``…0_1.xml``, ``…0_2.xml``.
Each file is downloaded to a temporary file within the size limit, then parsed with ``iterparse``; every
``Товар`` and ``Предложение`` is cleared once read, so a 200 MB file costs what one product costs.
"""

import os
import re
import shutil
import tempfile
import zipfile
from urllib.parse import urlsplit

from . import records
from .errors import ExchangeError
from .transport import Transport
from .xmlsafe import check_prologue, check_size, iterparse, parser_options

ROOT = "КоммерческаяИнформация"
CATALOG_SECTIONS = ("Классификатор", "Каталог", "ИзмененияКаталога")
OFFER_SECTIONS = ("ПакетПредложений", "ИзмененияПакетаПредложений")
HTTP_PREFIXES = ("import", "offers", "prices", "rests")
MAX_HTTP_PARTS = 200
# Requisite names of the catalog (ЗначенияРеквизитов) as 1C writes them, Russian and localized (Ukrainian
# configurations write «Повне найменування», «Вид номенклатури»). The field mapping may add its own.
REQUISITE_ALIASES = {
    "full_name": ("Полное наименование", "НаименованиеПолное", "Повне найменування", "Повна назва"),
    "kind": (
        "ВидНоменклатуры",
        "Вид номенклатуры",
        "ТипНоменклатуры",
        "Тип номенклатуры",
        "Вид номенклатури",
        "Тип номенклатури",
    ),
}
SERVICE_WORDS = ("услуга", "послуга", "service", "работа")
VAT_NONE_WORDS = ("без ндс", "без налога", "без пдв", "без податку", "не облагается")


def T(name):  # noqa: N802 - an element name in any namespace (or none), for iterparse
    return f"{{*}}{name}"


def _local(el):
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el, name):
    if el is None:
        return None
    for child in el:
        if _local(child) == name:
            return child
    return None


def _children(el, name):
    return [c for c in el if _local(c) == name] if el is not None else []


def _text(el, name):
    child = _child(el, name)
    return (child.text or "").strip() if child is not None else ""


def _clear(el):
    el.clear()
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _number(value):
    """A 1C number: '1 234,50' or '1234.5'; None when empty."""
    value = (value or "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    return float(value) if value else None


def split_id(value):
    """('product guid', 'characteristic guid' or None) of an offer's Ид, GUIDs lower-case; ValueError if not GUIDs."""
    value = (value or "").strip()
    product, _sep, characteristic = value.partition("#")
    product = records.ref(product.strip())
    if not product:
        raise ValueError(f"empty Ид: {value!r}")
    characteristic = characteristic.strip()
    if characteristic and not records.is_guid(characteristic):
        raise ValueError(f"not a GUID: {value!r}")
    return product, characteristic.lower() or None


def offer_key(product, characteristic=None):
    return f"{product}#{characteristic}" if characteristic else product


class CmlFile:
    """One XML file of the package: where it is, what schema it speaks, what it holds."""

    def __init__(self, path, name, kind, version, namespace):
        self.path, self.name, self.kind, self.version, self.namespace = path, name, kind, version, namespace

    def open(self):
        return open(self.path, "rb")  # noqa: SIM115 - closed by the caller's with-block


def _markers(*names):
    """Byte patterns of element starts (``<Name`` or ``:Name`` with a prefix) in UTF-8 and windows-1251."""
    out = []
    for name in names:
        for encoding in ("utf-8", "cp1251"):
            out += [b"<" + name.encode(encoding), b":" + name.encode(encoding)]
    return out


CATALOG_MARKERS = _markers("Классификатор", "Каталог", "ИзмененияКаталога")
OFFER_MARKERS = _markers("ПакетПредложений", "ИзмененияПакетаПредложений")


def classify(path):
    """(kinds, version, namespace) of a CommerceML file: kinds is a subset of {'catalog', 'offers'}.

    The root element gives the schema; what the file holds is found by scanning its bytes for the sections
    (a file may hold both: a 2.09 offers file carrying a Классификатор), without parsing it whole.
    """
    from lxml import etree

    with open(path, "rb") as fh:
        check_prologue(fh)
        version = namespace = None
        try:
            for _event, el in etree.iterparse(fh, events=("start",), **parser_options()):
                if _local(el) != ROOT:
                    return None, None, None
                namespace = el.tag[1:].split("}", 1)[0] if el.tag.startswith("{") else ""
                version = (el.get("ВерсияСхемы") or "").strip() or _version_of(namespace)
                break
        except etree.XMLSyntaxError as err:
            from .errors import PayloadError

            raise PayloadError("malformed_xml", detail=f"{os.path.basename(path)}: {str(err)[:300]}") from err
        if version is None:
            return None, None, None
        fh.seek(0)
        kinds, tail = set(), b""
        while len(kinds) < 2 and (chunk := fh.read(1 << 20)):
            block = tail + chunk
            if any(m in block for m in CATALOG_MARKERS):
                kinds.add("catalog")
            if any(m in block for m in OFFER_MARKERS):
                kinds.add("offers")
            tail = block[-64:]
        return kinds, version, namespace


def _version_of(namespace):
    found = re.search(r"commerceml_(\d)(\d+)$", namespace or "")
    return f"{found.group(1)}.{found.group(2)}" if found else ""


class CommerceMLTransport(Transport):
    name = "CommerceML"

    def __init__(self, settings, http):
        super().__init__(settings, http)
        self._tmp = None
        self._files = None
        self._lookups = {"units": {}, "manufacturers": {}, "properties": {}, "analogue_groups": {}, "variants": {}}
        self._groups = None
        self._offers = None
        self._variants = {}
        self.changes_only = False
        self.warnings = []  # [(code, params)]: read, nothing lost, but a person should know
        self.versions = set()
        # Converts (amount, currency code) to the company currency, or None when it cannot (set by the CRM side).
        self.convert = None

    def warn(self, code, **params):
        entry = (code, params)
        if entry not in self.warnings:  # an offer named in the offers, prices and rests files is reported once
            self.warnings.append(entry)

    # --- the package ------------------------------------------------------------------------------------------
    def _tmpdir(self):
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="medcrm_cml_")
        return self._tmp

    def _limit(self):
        return int(self.settings.get("max_bytes") or 256 << 20)

    def files(self):
        """Every CommerceML file of the package, catalog files first, each in its numbered order."""
        if self._files is not None:
            return self._files
        source = self.settings["url"].strip()
        parts = urlsplit(source)
        paths = []
        if parts.scheme in ("http", "https"):
            paths = self._download(source.rstrip("/"))
        else:
            local = parts.path if parts.scheme == "file" else source
            if os.path.isdir(local):
                paths = self._walk(local)
            elif os.path.isfile(local) and zipfile.is_zipfile(local):
                paths = self._walk(self._unzip(local))
            elif os.path.isfile(local):
                paths = [local]
            else:
                raise ExchangeError("unreachable", url=local, detail="no such file or folder")
        found = []
        for path in paths:
            check_size(path, self._limit())
            kinds, version, namespace = classify(path)
            if kinds:
                found.append(CmlFile(path, os.path.basename(path), kinds, version, namespace))
                self.versions.add(version)
            elif kinds is None and path.lower().endswith(".xml"):
                self.warn("not_commerceml", file=os.path.basename(path))
        if not any("catalog" in f.kind for f in found):
            raise ExchangeError("unreachable", url=source, detail="no CommerceML catalogue file (import*.xml) found")
        found.sort(key=lambda f: ("catalog" not in f.kind, _natural(f.path)))
        self._files = found
        return found

    def _walk(self, folder):
        paths = []
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith(("__MACOSX", ".")))
            for name in sorted(names):
                path = os.path.join(root, name)
                if name.lower().endswith(".xml"):
                    paths.append(path)
                elif name.lower().endswith(".zip") and zipfile.is_zipfile(path):
                    paths.extend(self._walk(self._unzip(path)))
        return paths

    def _unzip(self, path):
        """Extract a zip into the temporary folder, refusing paths out of it and more than the size limit."""
        target = tempfile.mkdtemp(dir=self._tmpdir())
        total = 0
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                total += info.file_size
                if total > self._limit():
                    raise ExchangeError("too_large", url=os.path.basename(path), limit=self._limit())
                name = os.path.normpath(info.filename.replace("\\", "/")).lstrip("/")
                if name.startswith("..") or os.path.isabs(name):
                    raise ExchangeError("malformed_xml", detail=f"unsafe path in zip: {info.filename}")
                dest = os.path.join(target, name)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with archive.open(info) as src, open(dest, "wb") as out:
                    copied = 0
                    while chunk := src.read(1 << 20):
                        copied += len(chunk)
                        if copied > info.file_size or copied > self._limit():
                            raise ExchangeError("too_large", url=os.path.basename(path), limit=self._limit())
                        out.write(chunk)
        return target

    def _fetch(self, url):
        """Download ``url`` into the temporary folder; None when it does not exist (404)."""
        path = os.path.join(self._tmpdir(), f"{len(os.listdir(self._tmpdir())):04d}_{os.path.basename(url)}")
        with open(path, "wb") as fh:
            try:
                self.http.download(url, fh)
            except ExchangeError as err:
                if err.code == "http_status" and err.params.get("status") in (404, 410):
                    os.unlink(path)
                    return None
                raise
        return path

    def _download(self, url):
        if urlsplit(url).path.lower().endswith(".zip"):
            path = self._fetch(url)
            if path is None:
                raise ExchangeError("unreachable", url=url, detail="404")
            return self._walk(self._unzip(path))
        paths = []
        for prefix in HTTP_PREFIXES:
            single = self._fetch(f"{url}/{prefix}.xml")
            if single:
                paths.append(single)
            for part in range(1, MAX_HTTP_PARTS + 1):
                path = self._fetch(f"{url}/{prefix}0_{part}.xml")
                if path is None:
                    break
                paths.append(path)
        return paths

    def close(self):
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        self._files = None
        return super().close()

    def _parse(self, kind, tags, events=None):
        for cml in self.files():
            if kind not in cml.kind:
                continue
            with cml.open() as fh:
                yield from iterparse(fh, [T(t) for t in tags], events=events)

    # --- catalog: groups, properties, units ---------------------------------------------------------------------
    def reference_data(self):
        if self._groups is None:
            self.product_groups()
        return self._lookups

    def product_groups(self):
        """Groups, properties and units of every Классификатор (each file's parsing stops at its catalogue)."""
        if self._groups is not None:
            return self._groups
        groups, seen = [], set()
        for cml in (f for f in self.files() if "catalog" in f.kind):
            with cml.open() as fh:
                names = ("Группа", "Свойство", "ЕдиницаИзмерения", "ТипЦены", "Классификатор", "Каталог", "Предложения")
                tags = [T(t) for t in names]
                for event, el in iterparse(fh, tags, events=("start", "end")):
                    name = _local(el)
                    if name in ("Каталог", "Предложения"):
                        break  # products or offers follow: the classifier is done
                    if event != "end":
                        continue
                    if name == "Классификатор":
                        break
                    if name == "Группа":
                        self._group(el, groups, seen)
                    elif name == "Свойство":
                        self._property(el)
                    elif name == "ЕдиницаИзмерения":
                        self._unit_of_classifier(el)
                    elif name == "ТипЦены":  # 2.10 may list the price types in the classifier
                        self._price_type(el)
        self._groups = groups
        return groups

    def _group(self, el, groups, seen):
        holder = el.getparent().getparent() if el.getparent() is not None else None
        raw = _text(el, "Ид")
        try:
            guid = records.ref(raw)
            parent = records.ref(_text(holder, "Ид")) if holder is not None and _local(holder) == "Группа" else None
        except ValueError as err:
            self.warn("bad_group", ident=raw, detail=str(err))
            return
        if not guid or guid in seen:
            return
        seen.add(guid)
        groups.append(
            {
                "guid": guid,
                "parent": parent,
                "name": _text(el, "Наименование"),
                "deleted": _text(el, "ПометкаУдаления") == "true",
            }
        )

    def _property(self, el):
        key = _text(el, "Ид").lower()
        self._lookups["properties"][_text(el, "Наименование")] = key
        for variant in el.iter(T("Справочник")):
            self._lookups["variants"][_text(variant, "ИдЗначения").lower()] = _text(variant, "Значение")

    def _price_type(self, el):
        ident = _text(el, "Ид").lower()
        if ident:
            self._lookups.setdefault("price_types", {})[ident] = {
                "name": _text(el, "Наименование"),
                "currency": _text(el, "Валюта"),
            }

    def _unit_of_classifier(self, el):
        """2.10 lists units in the classifier; a product's БазоваяЕдиница then names one by its Ид or code."""
        code = (_text(el, "Код") or "").strip()
        info = {
            "code": code,
            "name": _text(el, "НаименованиеКраткое") or _text(el, "Наименование"),
            "full_name": _text(el, "НаименованиеПолное"),
        }
        for key in {_text(el, "Ид"), code} - {""}:
            self._lookups.setdefault("unit_index", {})[key] = info

    # --- catalog: products ----------------------------------------------------------------------------------------
    def iter_products(self, keys=None):
        self.reference_data()
        self._offer_data()  # characteristics come from the offers: known before the products are yielded
        wanted = {k.lower() for k in keys} if keys is not None else None
        page, size = [], int(self.settings.get("page_size") or 5000)
        emitted, held = set(), {}
        for el in self._parse("catalog", ("Товар", "Каталог")):
            if _local(el) == "Каталог":
                self.changes_only = self.changes_only or el.get("СодержитТолькоИзменения") == "true"
                continue
            if _local(el.getparent()) != "Товары":
                continue
            catalog = el.getparent().getparent()
            if catalog is not None and "true" in (
                catalog.get("СодержитТолькоИзменения") or "",
                _text(catalog, "СодержитТолькоИзменения").lower(),
            ):
                self.changes_only = True
            rec = self.product_record(el)
            _clear(el)
            guid = rec.get("guid")
            if wanted is not None and guid not in wanted:
                continue
            if rec.get("from_characteristic"):
                # A characteristic listed as a product of its own: it names a variant; its product is made from
                # it only if the package never lists the product itself.
                if guid not in emitted:
                    held.setdefault(guid, rec)
                continue
            if guid:
                if guid in emitted:
                    continue
                emitted.add(guid)
                held.pop(guid, None)
            page.append(rec)
            if len(page) >= size:
                yield page
                page = []
        page.extend(held.values())
        if page:
            yield page

    def product_record(self, el):
        from lxml import etree

        raw = etree.tostring(el, encoding="unicode")[:4000]
        ident = _text(el, "Ид")
        try:
            guid, characteristic = split_id(ident)
        except ValueError as err:
            return {"error": str(err), "payload": raw, "guid": None, "ident": ident}
        try:
            rec = self._product(el, guid)
        except (ValueError, TypeError, AttributeError) as err:
            return {"error": str(err), "payload": raw, "guid": guid, "ident": ident}
        if characteristic:
            rec["from_characteristic"] = True
            name = rec["name"]
            values = self._characteristic_values(el)
            rec["name"] = re.sub(r"\s*\([^()]*\)\s*$", "", name) or name
            self._add_variant(guid, characteristic, values or name, _text(el, "Штрихкод"))
        return rec

    def _product(self, el, guid):
        deleted = el.get("Статус") == "Удален" or _text(el, "ПометкаУдаления") == "true"
        groups = _child(el, "Группы")
        rec = {
            "guid": guid,
            "version": "",
            "deleted": deleted,
            "parent": records.ref(_text(groups, "Ид")) if groups is not None else None,
            "name": _text(el, "Наименование"),
            "article": _text(el, "Артикул"),
            "code": _text(el, "Код") or _text(el, "Артикул"),
            "barcode": _text(el, "Штрихкод") or None,
        }
        unit = _child(el, "БазоваяЕдиница")
        if unit is not None:
            rec["unit"] = self._unit_key(unit)
        maker = _child(el, "Изготовитель")
        if maker is not None:
            rec["manufacturer"] = records.ref(_text(maker, "Ид"))
            if rec["manufacturer"]:
                self._lookups["manufacturers"].setdefault(rec["manufacturer"], {"name": _text(maker, "Наименование")})
        props = {}
        for line in _children(_child(el, "ЗначенияСвойств"), "ЗначенияСвойства"):
            props[_text(line, "Ид").lower()] = _text(line, "Значение")
        requisites = {}
        for line in _children(_child(el, "ЗначенияРеквизитов"), "ЗначениеРеквизита"):
            requisites[_text(line, "Наименование")] = _text(line, "Значение")
        rec["vat"] = self._vat(el)
        kind = _text(el, "ВидНоменклатуры") or _text(el, "ТипНоменклатуры") or _requisite(requisites, "kind")
        rec["service"] = bool(kind) and any(word in kind.lower() for word in SERVICE_WORDS)
        full_name = _requisite(requisites, "full_name")
        if full_name:
            rec["full_name"] = full_name
        for key, (kind_, source) in self.settings["mapping"].get("product", {}).items():
            if key in ("name", "article", "unit", "manufacturer") and key in rec:
                continue
            value = None
            for alias in source.split("|"):
                if kind_ == "requisite" and alias in requisites:
                    value = requisites[alias]
                    break
                if kind_ == "property" and self._lookups["properties"].get(alias) in props:
                    value = props[self._lookups["properties"][alias]]
                    break
            if value is None:
                continue
            if key == "analogue_group":
                variant = self._lookups["variants"].get(value.lower())
                if variant:
                    self._lookups["analogue_groups"][value.lower()] = variant
                    value = value.lower()
                rec[key] = value or None
            elif key in ("registry_date", "registry_valid_until"):
                rec[key] = records.date(value)
            elif key == "own_production":
                rec[key] = records.boolean(value)
            else:
                rec[key] = records.text(value)
        return rec

    def _unit_key(self, unit):
        """'okei:<code>' of a БазоваяЕдиница (code trimmed); its names kept for the CRM side."""
        code = (unit.get("Код") or "").strip()
        text = (unit.text or "").strip()
        known = self._lookups.get("unit_index", {}).get(code or text, {})
        code = code or known.get("code") or ""
        short = (unit.get("НаименованиеКраткое") or known.get("name") or text or "").strip()
        full = (unit.get("НаименованиеПолное") or known.get("full_name") or "").strip()
        key = f"okei:{code or short}"
        self._lookups["units"].setdefault(key, {"code": code, "name": short, "full_name": full})
        return key

    def _vat(self, el):
        """The VAT rate of the item: '20', '10', '0', 'none' (Без НДС) or None when the file says nothing."""
        for line in _children(_child(el, "СтавкиНалогов"), "СтавкаНалога"):
            name = _text(line, "Наименование").lower()
            if name and "ндс" not in name and "vat" not in name and "пдв" not in name:
                continue
            rate = _text(line, "Ставка").lower().replace("%", "").strip()
            if not rate or any(word in rate for word in VAT_NONE_WORDS):
                return "none"
            try:
                return f"{float(rate.replace(',', '.')):g}"
            except ValueError:
                return "none"
        return None

    def _characteristic_values(self, el):
        values = []
        for line in _children(_child(el, "ХарактеристикиТовара"), "ХарактеристикаТовара"):
            value = _text(line, "Значение")
            if value:
                values.append(value)
        return ", ".join(values)

    def _add_variant(self, guid, characteristic, name, barcode=None):
        variants = self._variants.setdefault(guid, {})
        variant = variants.setdefault(characteristic, {"key": offer_key(guid, characteristic), "name": name})
        if barcode and not variant.get("barcode"):
            variant["barcode"] = barcode

    def variants(self):
        """{product guid: [{'key': 'product#characteristic', 'name', 'barcode'}]}: the characteristics read."""
        self._offer_data()
        return {guid: list(chars.values()) for guid, chars in self._variants.items()}

    # --- offers: price types, prices, stock, characteristics ----------------------------------------------------
    def _offer_data(self):
        if self._offers is not None:
            return self._offers
        self.product_groups()
        prices, stock, rests = {}, {}, {}
        for el in self._parse("offers", ("ТипЦены", "Предложение")):
            if _local(el) == "ТипЦены":
                self._price_type(el)
                continue
            ident = _text(el, "Ид")
            try:
                guid, characteristic = split_id(ident)
            except ValueError as err:
                self.warn("bad_offer", ident=ident, detail=str(err))
                _clear(el)
                continue
            key = offer_key(guid, characteristic)
            if characteristic:
                name = self._characteristic_values(el) or _text(el, "Наименование")
                self._add_variant(guid, characteristic, name, _text(el, "Штрихкод"))
            lines = []
            for line in _children(_child(el, "Цены"), "Цена"):
                try:
                    amount = _number(_text(line, "ЦенаЗаЕдиницу"))
                    ratio = _number(_text(line, "Коэффициент")) or 1.0
                except ValueError:
                    self.warn("bad_price", ident=ident, detail=_text(line, "ЦенаЗаЕдиницу"))
                    continue
                if amount is not None:
                    lines.append((_text(line, "ИдТипаЦены").lower(), amount / ratio, _text(line, "Валюта")))
            if lines:
                prices.setdefault(key, []).extend(lines)
            balance = _child(el, "Остатки")
            if balance is not None:
                rests[key] = rests.get(key, 0.0) + _rests(balance)
            else:
                qty = _text(el, "Количество")
                if qty:
                    stock[key] = _number(qty) or 0.0
                else:
                    stores = _children(el, "Склад")
                    if stores:
                        stock[key] = sum(_number(s.get("КоличествоНаСкладе")) or 0.0 for s in stores)
            _clear(el)
        stock.update(rests)  # a rests file is the balance itself: it wins over a quantity written in the offers
        self._offers = {"types": self._lookups.get("price_types", {}), "prices": prices, "stock": stock}
        return self._offers

    def price_type(self):
        """Ид of the configured price type (by name or Ид), or None with a warning naming the types present."""
        data = self._offer_data()
        wanted = (self.settings.get("price_type") or "").strip()
        types = data["types"]
        for ident, info in types.items():
            if wanted and (ident == wanted.lower() or info["name"].strip().casefold() == wanted.casefold()):
                return ident
        if data["prices"]:
            self.warn(
                "price_type_missing",
                wanted=wanted or "—",
                present=", ".join(sorted(info["name"] or ident for ident, info in types.items())) or "—",
            )
        return None

    def prices(self, keys=None):
        """{offer key: price per base unit in the company currency} of the configured price type."""
        data = self._offer_data()
        wanted = {k.lower() for k in keys} if keys is not None else None
        chosen = self.price_type()
        if chosen is None:
            return {}
        currency = data["types"][chosen]["currency"]
        out = {}
        for key, lines in data["prices"].items():
            if wanted is not None and key.split("#", 1)[0] not in wanted:
                continue
            for type_id, amount, line_currency in lines:
                if type_id != chosen:
                    continue
                code = line_currency or currency
                value = self.convert(amount, code) if self.convert and code else amount
                if value is None:
                    self.warn("currency", ident=key, currency=code)
                    continue
                out[key] = value
        return out

    def stock(self, keys=None):
        wanted = {k.lower() for k in keys} if keys is not None else None
        return {k: s for k, s in self._offer_data()["stock"].items() if wanted is None or k.split("#", 1)[0] in wanted}


def _rests(balance):
    total = 0.0
    for rest in _children(balance, "Остаток"):
        stores = _children(rest, "Склад")
        if stores:
            total += sum(_number(_text(s, "Количество")) or 0.0 for s in stores)
        else:
            total += _number(_text(rest, "Количество")) or 0.0
    return total


def _requisite(requisites, key):
    for alias in REQUISITE_ALIASES[key]:
        if requisites.get(alias):
            return requisites[alias]
    return ""


def _natural(path):
    """Sort key putting import0_2.xml before import0_10.xml."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path)]
