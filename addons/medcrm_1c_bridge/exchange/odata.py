"""The 1C standard OData interface (OData v3, JSON): ``<publication>/odata/standard.odata/<EntitySet>``.

Every ``$filter`` is built by :func:`odata_filter` from a template and typed values; values are rendered
as OData literals (strings quoted with ``''`` doubling, GUIDs validated), never pasted in as text.
Keys of known objects are fetched in batches as large as the URL limit of the web server allows (Apache's
request line is 8 KB): the batches are cut by the length of the encoded URL, not by a count, so a short
key property (``Ref_Key``) fits twice as many keys as a Cyrillic one (``Номенклатура_Key``); a server
refusing a URL as too long (HTTP 414) gets the same keys again in two halves.
"""

import datetime
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

from . import records
from .errors import ExchangeError, PayloadError
from .http import parse_json, public_url
from .transport import Transport

# Longest URL sent (scheme, host and query included): below Apache's LimitRequestLine (8190 bytes for
# "GET <path?query> HTTP/1.1"), leaving room for a reverse proxy's own prefix.
MAX_URL = 8000
ODATA_PATH = "odata/standard.odata"


class Guid(str):
    """Marks a value as a 1C reference in :func:`odata_filter` (rendered as guid'…')."""


def odata_literal(value):
    if isinstance(value, Guid):
        if not records.is_guid(value):
            raise ValueError(f"not a GUID: {value!r}")
        return f"guid'{value.lower()}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return f"datetime'{value.replace(microsecond=0).isoformat()}'"
    if isinstance(value, datetime.date):
        return f"datetime'{value.isoformat()}T00:00:00'"
    if value is None:
        return "null"
    return "'" + str(value).replace("'", "''") + "'"


def odata_filter(template, *values):
    """``odata_filter("ИНН eq {} and КПП eq {}", inn, kpp)``: every value becomes a quoted literal."""
    return template.format(*(odata_literal(v) for v in values))


def keys_filter(prop, keys):
    return " or ".join(odata_filter(f"{prop} eq {{}}", Guid(k)) for k in keys)


def encoded_length(text):
    """Length of ``text`` in a query string, as requests encodes it (``urlencode``)."""
    return len(urlencode({"": text})) - 1


def key_batches(prop, keys, room):
    """Split ``keys`` into batches whose ``prop eq guid'…' or …`` filter takes at most ``room`` encoded bytes.

    Every term of one property has the same encoded length, so the split is computed, not tried.
    """
    keys = list(keys)
    if not keys:
        return
    term = encoded_length(keys_filter(prop, keys[:1]))
    glue = encoded_length(" or ")
    size = max(1, (room + glue) // (term + glue))
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


class ODataTransport(Transport):
    name = "OData"

    def __init__(self, settings, http):
        super().__init__(settings, http)
        self.root = settings["url"].rstrip("/")
        self.page_size = int(settings.get("page_size") or 5000)
        self.max_url = int(settings.get("max_url") or MAX_URL)
        self._lookups = None
        self._price_kind = None

    # --- plumbing -----------------------------------------------------------------------------------------
    def _url(self, resource):
        return f"{self.root}/{ODATA_PATH}/" + quote(resource, safe="()/=,'")

    def get(self, resource, check_keys=None, **params):
        """One OData answer; with ``check_keys`` (a property) every row's key must be a GUID, or it is asked again."""
        params.setdefault("$format", "json")
        url = self._url(resource)

        def parse(body, resp):
            data = parse_json(body, resp)
            if not isinstance(data, dict) or not isinstance(data.get("value", []), list):
                raise PayloadError("malformed_json", url=public_url(url), detail="no 'value' array")
            if check_keys:
                for row in data.get("value", []):
                    key = row.get(check_keys) if isinstance(row, dict) else None
                    if not records.is_guid(key):
                        raise PayloadError("bad_guid", payload=str(row)[:2000], detail=str(key))
            return data

        return self.http.call("GET", url, parse, params=params)

    def values(self, resource, key="Ref_Key", **params):
        """Rows of a collection; rows whose keys stay broken after the retries come back to be logged one by one."""
        check = key if key in params.get("$select", key) else None
        try:
            return self.get(resource, check_keys=check, **params).get("value", [])
        except PayloadError as err:
            if err.code != "bad_guid":
                raise
            return self.get(resource, **params).get("value", [])

    def pages(self, resource, key="Ref_Key", **params):
        """All rows of a collection, page by page ($top/$skip over a stable $orderby).

        The next page is asked for while the caller works on the current one, so 1C's time to prepare a page
        and ours to write it overlap instead of adding up.
        """
        params.setdefault("$orderby", key)
        size = self.page_size

        def fetch(skip):
            return self.values(resource, key, **params, **{"$top": str(size), "$skip": str(skip)})

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="medcrm-1c-page") as pool:
            future, skip = pool.submit(fetch, 0), 0
            while True:
                page = future.result()
                if len(page) < size:
                    if page:
                        yield page
                    return
                skip += len(page)
                future = pool.submit(fetch, skip)
                yield page

    def by_keys(self, resource, keys, prop="Ref_Key", **params):
        """Pages of the rows whose ``prop`` is one of ``keys``: one request per batch of keys."""
        condition = params.get("$filter")
        wrap = (lambda flt: f"({condition}) and ({flt})") if condition else (lambda flt: flt)
        # What the URL holds besides the keys: the resource and the other parameters, the filter's frame.
        fixed = len(self._url(resource)) + len(urlencode({**params, "$format": "json", "$filter": wrap("")})) + 1
        for batch in key_batches(prop, sorted(set(keys)), self.max_url - fixed):
            yield from self._by_keys_batch(resource, batch, prop, wrap, params)

    def _by_keys_batch(self, resource, batch, prop, wrap, params):
        try:
            rows = self.values(resource, prop, **{**params, "$filter": wrap(keys_filter(prop, batch))})
        except ExchangeError as err:
            if err.code != "http_status" or err.params.get("status") != 414 or len(batch) < 2:
                raise
            # A proxy or server with a shorter limit than ours: the same keys, in halves.
            half = len(batch) // 2
            yield from self._by_keys_batch(resource, batch[:half], prop, wrap, params)
            yield from self._by_keys_batch(resource, batch[half:], prop, wrap, params)
            return
        yield rows

    def post(self, resource, payload):
        return self.http.call("POST", self._url(resource), parse_json, params={"$format": "json"}, json=payload)

    # --- mapping ------------------------------------------------------------------------------------------
    def _mapping(self, entity):
        return self.settings["mapping"].get(entity, {})

    def _select(self, entity, head):
        fields = list(head)
        for kind, sources in self._mapping(entity).values():
            source = first_alias(sources)
            if kind == "requisite" and source not in fields:
                fields.append(source)
            elif kind == "property" and "ДополнительныеРеквизиты" not in fields:
                fields.append("ДополнительныеРеквизиты")
        return ",".join(fields)

    def reference_data(self):
        """Units, manufacturers, additional attributes and analogue groups, each read once per run when needed.

        The additional attributes are read with the first products (every product is parsed with them); the
        other catalogs only when a product points to an object the CRM does not mirror yet, so an incremental
        run over known references reads none of them. Rows whose reference stays broken after the retries are
        left out: the products pointing to them get the defaults (pieces, no manufacturer), the products
        themselves are checked one by one.
        """
        if self._lookups is None:
            self._lookups = LazyLookups(
                {
                    "units": self._units,
                    "manufacturers": self._manufacturers,
                    "properties": self._properties,
                    "analogue_groups": self._analogue_groups,
                }
            )
        return self._lookups

    def _units(self):
        rows = self.values(self.settings["units_set"], **{"$select": "Ref_Key,Code,Description"})
        return {
            key: {"code": records.text(row.get("Code")), "name": records.text(row.get("Description"))}
            for key, row in _keyed(rows)
        }

    def _manufacturers(self):
        makers = {}
        for page in self.pages(self.settings["makers_set"], **{"$select": "Ref_Key,Description"}):
            makers.update((key, {"name": records.text(row.get("Description"))}) for key, row in _keyed(page))
        return makers

    def _properties(self):
        props = {}
        if any(kind == "property" for kind, _src in self._mapping("product").values()):
            select = {"$select": "Ref_Key,Имя,Заголовок,Description"}
            for key, row in _keyed(self.values(self.settings["props_set"], **select)):
                for name in (row.get("Имя"), row.get("Заголовок"), row.get("Description")):
                    if name:
                        props.setdefault(name, key)
        return props

    def _analogue_groups(self):
        analogues = {}
        kind, source = self._mapping("product").get("analogue_group", ("none", ""))
        props = self._lookups["properties"]
        prop = next((props[a] for a in source.split("|") if a in props), None)
        if kind == "property" and prop:
            params = {"$filter": odata_filter("Owner_Key eq {}", Guid(prop)), "$select": "Ref_Key,Description"}
            for page in self.pages(self.settings["prop_values_set"], **params):
                analogues.update((key, records.text(row.get("Description"))) for key, row in _keyed(page))
        return analogues

    # --- products -------------------------------------------------------------------------------------------
    def product_groups(self):
        params = {
            "$filter": odata_filter("IsFolder eq {}", True),
            "$select": "Ref_Key,Parent_Key,Description,DeletionMark",
        }
        out = []
        for page in self.pages(self.settings["products_set"], **params):
            for key, row in _keyed(page):
                parent = row.get("Parent_Key")
                out.append(
                    {
                        "guid": key,
                        "parent": records.ref(parent) if records.is_guid(parent) else None,
                        "name": records.text(row.get("Description")),
                        "deleted": bool(row.get("DeletionMark")),
                    }
                )
        return out

    def iter_products(self, keys=None):
        head = ("Ref_Key", "DataVersion", "DeletionMark", "Parent_Key", "IsFolder")
        params = {"$filter": odata_filter("IsFolder eq {}", False), "$select": self._select("product", head)}
        pages = (
            self.pages(self.settings["products_set"], **params)
            if keys is None
            else self.by_keys(self.settings["products_set"], keys, **params)
        )
        lookups = self.reference_data()
        plan = self._product_plan(lookups)
        for page in pages:
            yield [self.product_record(row, lookups, plan) for row in page]

    def _product_plan(self, lookups):
        """(key, kind, where) per mapped field: the requisite's name, or the additional attribute's GUID."""
        plan = []
        for key, (kind, source) in self._mapping("product").items():
            if kind == "requisite":
                plan.append((key, kind, first_alias(source), CONVERTERS.get(key, records.text)))
            elif kind == "property":
                prop = next((lookups["properties"][a] for a in source.split("|") if a in lookups["properties"]), None)
                plan.append((key, kind, prop, CONVERTERS.get(key, records.text)))
        return plan

    def product_record(self, row, lookups, plan=None):
        """A product record, or {'error': ..., 'payload': row} when the row cannot be read."""
        plan = plan if plan is not None else self._product_plan(lookups)
        try:
            rec = {
                "guid": records.ref(row.get("Ref_Key")),
                "version": records.text(row.get("DataVersion")),
                "deleted": bool(row.get("DeletionMark")),
                "parent": records.ref(row.get("Parent_Key")),
            }
            if not rec["guid"]:
                raise ValueError("empty Ref_Key")
            extra = {}
            for line in row.get("ДополнительныеРеквизиты") or ():
                prop = line.get("Свойство_Key")
                extra[prop.lower() if isinstance(prop, str) else prop] = line.get("Значение")
            for key, kind, source, convert in plan:
                rec[key] = convert(row.get(source) if kind == "requisite" else extra.get(source))
            return rec
        except (ValueError, TypeError, AttributeError) as err:
            return {"error": str(err), "payload": row, "guid": row.get("Ref_Key") if isinstance(row, dict) else None}

    def product_versions(self):
        out = {}
        params = {"$filter": odata_filter("IsFolder eq {}", False), "$select": "Ref_Key,DataVersion"}
        for page in self.pages(self.settings["products_set"], **params):
            for row in page:
                if records.is_guid(row.get("Ref_Key")):
                    out[row["Ref_Key"].lower()] = records.text(row.get("DataVersion"))
        return out

    def price_kind(self):
        """GUID of the configured price type (the first one when no type has that name), or None."""
        if self._price_kind is None:
            kinds = list(_keyed(self.values("Catalog_ВидыЦен", **{"$select": "Ref_Key,Description"})))
            wanted = [k for k, row in kinds if row.get("Description") == self.settings.get("price_type")]
            self._price_kind = (wanted or [k for k, _row in kinds] or [""])[0]
        return self._price_kind or None

    def prices(self, keys=None):
        s = self.settings
        kind = self.price_kind()
        if not kind:
            return {}
        # The slice of one price type: the condition goes into the virtual table's parameters, so 1C builds
        # the slice for that type only; a few products are then looked up by key in it (an indexed lookup).
        condition = odata_filter("ВидЦены_Key eq {}", Guid(kind)).replace("'", "''")
        resource = f"{s['prices_set']}/SliceLast(Condition='{condition}')"
        params = {"$select": "Номенклатура_Key,Цена"}
        if keys is None:
            rows = self.pages(resource, "Номенклатура_Key", **params)
        else:
            rows = self.by_keys(resource, keys, "Номенклатура_Key", **params)
        out = {}
        for page in rows:
            for row in page:
                key = row.get("Номенклатура_Key")
                if "ВидЦены_Key" in row and str(row["ВидЦены_Key"]).lower() != kind:
                    continue
                if records.is_guid(key):  # a row 1C keeps sending broken cannot be attributed: left out
                    out[key.lower()] = float(row.get("Цена") or 0.0)
        return out

    def stock(self, keys=None):
        s = self.settings
        resource_field = f"{s['stock_resource']}Balance"
        resource = f"{s['stock_set']}/Balance()"
        params = {"$select": f"Номенклатура_Key,{resource_field}"}
        rows = (
            self.by_keys(resource, keys, "Номенклатура_Key", **params)
            if keys is not None
            else self.pages(resource, "Номенклатура_Key", **params)
        )
        out = {}
        for page in rows:
            for row in page:
                key = row.get("Номенклатура_Key")
                if records.is_guid(key):
                    out[key.lower()] = out.get(key.lower(), 0.0) + float(row.get(resource_field) or 0.0)
        return out

    def feed_head(self):
        """The current position of the change feed (its counter now)."""
        path = self.settings.get("change_feed") or ""
        if not path:
            self._unsupported("read the change feed (no HTTP service configured)")
        url = f"{self.root}/{path.strip('/')}"

        def parse(body, resp):
            try:
                return int(parse_json(body, resp)["current"])
            except (KeyError, TypeError, ValueError) as err:
                raise PayloadError("malformed_json", url=public_url(url), detail=str(err)) from err

        return self.http.call("GET", url, parse, params={"since": "0", "limit": "1"})

    def changes(self, since, types):
        path = self.settings.get("change_feed") or ""
        if not path:
            self._unsupported("read the change feed (no HTTP service configured)")
        url = f"{self.root}/{path.strip('/')}"

        def parse(body, resp):
            data = parse_json(body, resp)
            try:
                page, more, nxt = data["items"], bool(data["more"]), int(data["next"])
            except (KeyError, TypeError, ValueError) as err:
                raise PayloadError("malformed_json", url=public_url(url), detail=str(err)) from err
            for item in page:
                if not isinstance(item, dict) or not records.is_guid(item.get("Ref_Key")):
                    raise PayloadError("bad_guid", payload=str(item)[:2000], detail=str(item))
            return page, more, nxt

        items, cursor = [], int(since or 0)
        while True:
            params = {"since": str(cursor), "limit": "5000", "types": ",".join(types)}
            page, more, cursor = self.http.call("GET", url, parse, params=params)
            items += [
                {"type": item.get("type"), "guid": item["Ref_Key"].lower(), "deleted": bool(item.get("deleted"))}
                for item in page
            ]
            if not more:
                return items, cursor

    # --- counterparties ---------------------------------------------------------------------------------
    def iter_counterparties(self, keys=None):
        s = self.settings
        head = ("Ref_Key", "DataVersion", "DeletionMark", "IsFolder", "Description", "КонтактнаяИнформация")
        params = {"$filter": odata_filter("IsFolder eq {}", False), "$select": self._select("partner", head)}
        pages = (
            self.pages(s["partners_set"], **params) if keys is None else self.by_keys(s["partners_set"], keys, **params)
        )
        for page in pages:
            recs = [self.partner_record(row) for row in page]
            good = [r["guid"] for r in recs if not r.get("error")]
            contacts = {}
            if good and s.get("contacts_set"):
                for batch in self.by_keys(s["contacts_set"], good, "Owner_Key"):
                    for row in batch:
                        try:
                            contact = self.contact_record(row)
                        except (ValueError, TypeError, AttributeError):
                            continue
                        contacts.setdefault(contact["owner"], []).append(contact)
            for rec in recs:
                if not rec.get("error"):
                    rec["contacts"] = sorted(contacts.get(rec["guid"], []), key=lambda c: c["guid"])
            yield recs

    def partner_record(self, row):
        try:
            rec = {
                "guid": records.ref(row.get("Ref_Key")),
                "version": records.text(row.get("DataVersion")),
                "deleted": bool(row.get("DeletionMark")),
                "name": records.text(row.get("Description")),
            }
            if not rec["guid"]:
                raise ValueError("empty Ref_Key")
            for key, (kind, source) in self._mapping("partner").items():
                if kind == "requisite":
                    rec[key] = records.text(row.get(first_alias(source)))
            rec.update(contact_info(row.get("КонтактнаяИнформация") or []))
            return rec
        except (ValueError, TypeError, AttributeError) as err:
            return {"error": str(err), "payload": row, "guid": row.get("Ref_Key") if isinstance(row, dict) else None}

    def contact_record(self, row):
        names = [records.text(row.get(n)) for n in ("Фамилия", "Имя", "Отчество")]
        rec = {
            "guid": records.ref(row.get("Ref_Key")),
            "owner": records.ref(row.get("Owner_Key")),
            "name": " ".join(n for n in names if n) or records.text(row.get("Description")),
            "function": records.text(row.get("Должность")),
            "deleted": bool(row.get("DeletionMark")),
        }
        rec.update(contact_info(row.get("КонтактнаяИнформация") or []))
        return rec

    def find_counterparty(self, inn, kpp):
        flt = odata_filter("ИНН eq {} and КПП eq {} and IsFolder eq {}", inn, kpp or "", False)
        rows = self.values(self.settings["partners_set"], **{"$filter": flt, "$select": "Ref_Key,DeletionMark"})
        live = [r for r in rows if not r.get("DeletionMark")] or rows
        return records.ref(live[0]["Ref_Key"]) if live else None

    def create_counterparty(self, values):
        found = self.find_counterparty(values["inn"], values.get("kpp"))
        if found:
            return found  # a retry after a lost answer, or a counterparty 1C already had
        s = self.settings
        contacts = []
        for ctype, key in (("Адрес", "address"), ("Телефон", "phone"), ("АдресЭлектроннойПочты", "email")):
            if values.get(key):
                contacts.append({"Тип": ctype, "Представление": values[key]})
        payload = {
            "Description": values["name"],
            "НаименованиеПолное": values.get("full_name") or values["name"],
            "ИНН": values["inn"],
            "КПП": values.get("kpp") or "",
            "ЮридическоеФизическоеЛицо": "ФизическоеЛицо" if len(values["inn"]) == 12 else "ЮридическоеЛицо",
            "КонтактнаяИнформация": contacts,
        }
        try:
            created = self.post(s["partners_set"], payload)
        except ExchangeError as err:
            if err.code in ("timeout", "unreachable", "http_status") and err.retryable:
                found = self.find_counterparty(values["inn"], values.get("kpp"))
                if found:
                    return found
            raise
        guid = created.get("Ref_Key") if isinstance(created, dict) else None
        if not records.is_guid(guid):
            raise PayloadError("bad_guid", payload=str(created)[:2000], detail=str(guid))
        return guid.lower()

    # --- customer orders ------------------------------------------------------------------------------------
    def order_by_ref(self, ref):
        """The customer order with this reference ({'Ref_Key', 'Number', ...}), or None."""
        resource = f"{self.settings['orders_set']}({odata_literal(Guid(ref))})"
        url = self._url(resource)

        def parse(body, resp):
            data = parse_json(body, resp)
            if not isinstance(data, dict) or not records.is_guid(data.get("Ref_Key")):
                raise PayloadError("bad_guid", payload=str(data)[:2000], detail="Ref_Key")
            return data

        try:
            return self.http.call("GET", url, parse, params={"$format": "json", "$select": "Ref_Key,Number,Date"})
        except ExchangeError as err:
            if err.code == "http_status" and err.params.get("status") == 404:
                return None
            raise

    def push_order(self, values):
        """POST ``Document_ЗаказКлиента`` with the reference the CRM fixed for the order (``Ref_Key``).

        Whatever goes wrong with the POST (answer lost or cut, 1C refusing a second object with the same key
        because an earlier attempt got through), the order is then looked up by that reference: found, it is
        the CRM's order; not found, the error stands. So a repeated push never makes a second order.
        """
        date = values["date"].strftime("%Y-%m-%dT%H:%M:%S")
        payload = {
            "Ref_Key": values["ref"],
            "Date": date,
            "Контрагент_Key": values["counterparty"],
            "НомерПоДаннымКлиента": values["need_number"],
            "ДатаПоДаннымКлиента": date,
            "Комментарий": values.get("comment") or "",
            "Товары": [
                {
                    "LineNumber": str(number),
                    "Номенклатура_Key": line["product"],
                    **({"Характеристика_Key": line["characteristic"]} if line.get("characteristic") else {}),
                    "Количество": line["quantity"],
                    "Цена": line["price"],
                    "Сумма": line["amount"],
                }
                for number, line in enumerate(values["lines"], 1)
            ],
        }
        try:
            created = self.post(self.settings["orders_set"], payload)
            if not isinstance(created, dict) or not records.is_guid(created.get("Ref_Key")):
                raise PayloadError("bad_guid", payload=str(created)[:2000], detail="Ref_Key")
        except ExchangeError:
            found = self.order_by_ref(values["ref"])
            if found is None:
                raise
            return {"guid": found["Ref_Key"].lower(), "number": records.text(found.get("Number")), "created": False}
        return {"guid": created["Ref_Key"].lower(), "number": records.text(created.get("Number")), "created": True}

    def order_statuses(self, refs):
        """The order states register, read for the given orders (by batches of keys)."""
        out = {}
        select = "ЗаказКлиента_Key,Состояние,СуммаДокумента,СуммаОплаты,ПроцентОплаты,ДатаОплаты,Отгружен,ДатаОтгрузки"
        rows_by_batch = self.by_keys(
            self.settings["order_state_set"], refs, prop="ЗаказКлиента_Key", **{"$select": select}
        )
        for rows in rows_by_batch:
            for row in rows:
                key = row.get("ЗаказКлиента_Key") if isinstance(row, dict) else None
                if records.is_guid(key):
                    try:
                        out[key.lower()] = order_state(row)
                    except (ValueError, TypeError) as err:
                        out[key.lower()] = {"error": PayloadError("bad_record", detail=str(err)), "payload": row}
        return out


# States of 1C's order states register (ЗаказыКлиентов / СостоянияЗаказовКлиентов) and their presentations.
ORDER_STATES = {
    "НеСогласован": "Не согласован",
    "ОжидаетсяСогласование": "Ожидается согласование",
    "ОжидаетсяПредоплата": "Ожидается предоплата",
    "ОжидаетсяОплата": "Ожидается оплата",
    "ЧастичноОплачен": "Частично оплачен",
    "ГотовКОбеспечению": "Готов к обеспечению",
    "ГотовКОтгрузке": "Оплачен, ожидает отгрузки",
    "ОжидаетсяОплатаПослеОтгрузки": "Отгружен, ожидается оплата",
    "Закрыт": "Закрыт: оплачен и отгружен",
}
# Used only when the register has no payment/shipment resources of its own.
PAID_STATES = {"ГотовКОтгрузке", "Закрыт"}
SHIPPED_STATES = {"ОжидаетсяОплатаПослеОтгрузки", "Закрыт"}


def onec_datetime(value):
    """A 1C date-time ('2026-03-02T10:15:00'), None for 1C's empty date."""
    if value in (None, "", False) or str(value).startswith("0001-01-01"):
        return None
    return datetime.datetime.fromisoformat(str(value)[:19])


def order_state(row):
    state = records.text(row.get("Состояние"))
    amount = float(row.get("СуммаДокумента") or 0)
    paid_amount = float(row.get("СуммаОплаты") or 0)
    if "ПроцентОплаты" in row or "СуммаОплаты" in row:
        paid = float(row.get("ПроцентОплаты") or 0) >= 100 or (amount > 0 and paid_amount >= amount)
    else:
        paid = state in PAID_STATES
    shipped = records.boolean(row["Отгружен"]) if "Отгружен" in row else state in SHIPPED_STATES
    return {
        "paid": paid,
        "paid_amount": paid_amount,
        "paid_date": onec_datetime(row.get("ДатаОплаты")),
        "shipped": bool(shipped),
        "shipped_date": onec_datetime(row.get("ДатаОтгрузки")),
        "state": state,
        "status": ORDER_STATES.get(state, state),
    }


class LazyLookups(Mapping):
    """The reference catalogs of a run, each read by its loader on first use and kept."""

    def __init__(self, loaders):
        self._loaders = loaders
        self._data = {}

    def __getitem__(self, name):
        if name not in self._data:
            self._data[name] = self._loaders[name]()
        return self._data[name]

    def __iter__(self):
        return iter(self._loaders)

    def __len__(self):
        return len(self._loaders)


def _keyed(rows):
    """(lower-case GUID, row) for the rows whose Ref_Key is a GUID."""
    for row in rows:
        key = row.get("Ref_Key") if isinstance(row, dict) else None
        if records.is_guid(key):
            yield key.lower(), row


def first_alias(source):
    """OData names a requisite one way: the first of the '|' alternatives (the others serve CommerceML)."""
    return (source or "").split("|", 1)[0].strip()


def _analogue(value):
    """The analogue group: a reference to an attribute value, or a plain text."""
    return records.ref(value) if records.is_guid(value) else (records.text(value) or None)


# How each product field is read from its 1C value (text when not listed).
CONVERTERS = {
    "unit": records.ref,
    "manufacturer": records.ref,
    "analogue_group": _analogue,
    "registry_date": records.date,
    "registry_valid_until": records.date,
    "own_production": records.boolean,
}


def contact_info(rows):
    """Address, phone and e-mail from a КонтактнаяИнформация tabular part (first of each kind wins)."""
    out = {}
    kinds = {"Адрес": "address", "Телефон": "phone", "АдресЭлектроннойПочты": "email"}
    for row in rows:
        key = kinds.get(row.get("Тип"))
        if key and key not in out:
            value = records.text(row.get("Представление"))
            if key == "address":
                out["city"] = records.text(row.get("Город")).removeprefix("г. ")
            if value:
                out[key] = value
    return out
