"""CommerceML 2 files (``import.xml`` catalogue, ``offers.xml`` prices and stock), parsed as a stream.

The files come from a URL (the publication serving them, or a site-exchange folder published over HTTP)
or from a local directory the 1C exchange writes into. A file is first downloaded to a temporary file
within the size limit (a dropped connection retries the download whole), then parsed with ``iterparse``:
each ``Товар`` is read, turned into a record and cleared, so a 200 MB file costs what one product costs.
"""

import os
import tempfile
from urllib.parse import urlsplit

from . import records
from .errors import ExchangeError
from .transport import Transport
from .xmlsafe import check_size, iterparse

NS = "urn:1C.ru:commerceml_2"


def _tags(*names):
    return [f"{{{NS}}}{n}" for n in names] + list(names)


def _local(el):
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el, name):
    for child in el:
        if _local(child) == name:
            return child
    return None


def _children(el, name):
    return [c for c in el if _local(c) == name]


def _text(el, name):
    child = _child(el, name)
    return (child.text or "").strip() if child is not None else ""


def _clear(el):
    el.clear()
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _id(value):
    """An Ид: the GUID of the object (a characteristic's 'product#characteristic' keeps the product)."""
    return value.split("#", 1)[0].strip()


class CommerceMLTransport(Transport):
    name = "CommerceML"

    def __init__(self, settings, http):
        super().__init__(settings, http)
        self._files = {}
        self._lookups = {"units": {}, "manufacturers": {}, "properties": {}, "analogue_groups": {}, "variants": {}}
        self._groups = None
        self.changes_only = False

    # --- files --------------------------------------------------------------------------------------------
    def _file(self, name):
        if name in self._files:
            self._files[name].seek(0)
            return self._files[name]
        source = self.settings["url"].rstrip("/")
        limit = int(self.settings.get("max_bytes") or 256 << 20)
        parts = urlsplit(source)
        if parts.scheme in ("http", "https"):
            fh = tempfile.TemporaryFile()  # noqa: SIM115 - kept for the transport's life, closed in close()
            self.http.download(f"{source}/{name}", fh)
        else:
            path = os.path.join(parts.path if parts.scheme == "file" else source, name)
            if not os.path.isfile(path):
                raise ExchangeError("unreachable", url=path, detail="no such file")
            check_size(path, limit)
            fh = open(path, "rb")  # noqa: SIM115 - kept for the transport's life, closed in close()
        self._files[name] = fh
        return fh

    def close(self):
        for fh in self._files.values():
            fh.close()
        self._files = {}
        return super().close()

    # --- import.xml ---------------------------------------------------------------------------------------
    def reference_data(self):
        if self._groups is None:
            self.product_groups()
        return self._lookups

    def product_groups(self):
        """Groups and properties of the Классификатор (parsing stops at the catalogue)."""
        if self._groups is not None:
            return self._groups
        groups = []
        for el in iterparse(self._file("import.xml"), _tags("Группа", "Свойство", "Классификатор")):
            name = _local(el)
            if name == "Группа":
                holder = el.getparent().getparent() if el.getparent() is not None else None
                parent = _text(holder, "Ид") if holder is not None and _local(holder) == "Группа" else None
                groups.append(
                    {
                        "guid": records.ref(_id(_text(el, "Ид"))),
                        "parent": records.ref(parent) if parent else None,
                        "name": _text(el, "Наименование"),
                        "deleted": _text(el, "ПометкаУдаления") == "true",
                    }
                )
            elif name == "Свойство":
                key = _id(_text(el, "Ид")).lower()
                self._lookups["properties"][_text(el, "Наименование")] = key
                for variant in el.iter(f"{{{NS}}}Справочник", "Справочник"):
                    self._lookups["variants"][_text(variant, "ИдЗначения").lower()] = _text(variant, "Значение")
            else:
                break
        self._groups = groups
        return groups

    def iter_products(self, keys=None):
        self.reference_data()
        wanted = {k.lower() for k in keys} if keys is not None else None
        page, size = [], int(self.settings.get("page_size") or 5000)
        for el in iterparse(self._file("import.xml"), _tags("Товар", "Каталог")):
            if _local(el) == "Каталог":
                continue
            if _local(el.getparent()) != "Товары":
                continue
            catalog = el.getparent().getparent()
            self.changes_only = catalog is not None and catalog.get("СодержитТолькоИзменения") == "true"
            rec = self.product_record(el)
            _clear(el)
            if wanted is not None and rec.get("guid") not in wanted:
                continue
            page.append(rec)
            if len(page) >= size:
                yield page
                page = []
        if page:
            yield page

    def product_record(self, el):
        raw = None
        try:
            from lxml import etree

            raw = etree.tostring(el, encoding="unicode")[:4000]
            guid = records.ref(_id(_text(el, "Ид")))
            if not guid:
                raise ValueError("empty Ид")
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
            }
            unit = _child(el, "БазоваяЕдиница")
            if unit is not None:
                code = unit.get("Код") or ""
                rec["unit"] = f"okei:{code or (unit.text or '').strip()}"
                self._lookups["units"].setdefault(rec["unit"], {"code": code, "name": (unit.text or "").strip()})
            maker = _child(el, "Изготовитель")
            if maker is not None:
                rec["manufacturer"] = records.ref(_text(maker, "Ид"))
                if rec["manufacturer"]:
                    self._lookups["manufacturers"].setdefault(
                        rec["manufacturer"], {"name": _text(maker, "Наименование")}
                    )
            props = {}
            holder = _child(el, "ЗначенияСвойств")
            for line in _children(holder, "ЗначенияСвойства") if holder is not None else []:
                props[_text(line, "Ид").lower()] = _text(line, "Значение")
            requisites = {}
            holder = _child(el, "ЗначенияРеквизитов")
            for line in _children(holder, "ЗначениеРеквизита") if holder is not None else []:
                requisites[_text(line, "Наименование")] = _text(line, "Значение")
            for key, (kind, source) in self.settings["mapping"].get("product", {}).items():
                if key in ("name", "article", "unit", "manufacturer") and key in rec:
                    continue
                value = None
                for alias in source.split("|"):
                    if kind == "requisite" and alias in requisites:
                        value = requisites[alias]
                        break
                    if kind == "property" and self._lookups["properties"].get(alias) in props:
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
        except (ValueError, TypeError, AttributeError) as err:
            return {"error": str(err), "payload": raw, "guid": None}

    # --- offers.xml ---------------------------------------------------------------------------------------
    def _offers(self):
        if "offers" in self._lookups:
            return self._lookups["offers"]
        price_type, matched, out = None, False, {}
        wanted_name = self.settings.get("price_type")
        for el in iterparse(self._file("offers.xml"), _tags("ТипЦены", "Предложение")):
            if _local(el) == "ТипЦены":
                # The configured price type, or the first one when the file has no type of that name.
                if not matched and (price_type is None or _text(el, "Наименование") == wanted_name):
                    price_type = _text(el, "Ид").lower()
                    matched = _text(el, "Наименование") == wanted_name
                continue
            guid = _id(_text(el, "Ид")).lower()
            if not records.is_guid(guid):
                _clear(el)
                continue
            price = None
            prices = _child(el, "Цены")
            for line in _children(prices, "Цена") if prices is not None else []:
                if _text(line, "ИдТипаЦены").lower() == price_type:
                    price = float(_text(line, "ЦенаЗаЕдиницу").replace(",", ".") or 0)
            qty = _text(el, "Количество")
            stock = float(qty.replace(",", ".")) if qty else None
            if stock is None:
                stock = sum(float(s.get("КоличествоНаСкладе") or 0) for s in _children(el, "Склад")) or 0.0
            out[guid] = (price, stock)
            _clear(el)
        self._lookups["offers"] = out
        return out

    def prices(self, keys=None):
        wanted = {k.lower() for k in keys} if keys is not None else None
        return {k: p for k, (p, _s) in self._offers().items() if p is not None and (wanted is None or k in wanted)}

    def stock(self, keys=None):
        wanted = {k.lower() for k in keys} if keys is not None else None
        return {k: s for k, (_p, s) in self._offers().items() if wanted is None or k in wanted}
