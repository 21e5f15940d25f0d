"""The standard OData v3 interface of a 1C base: `/<base>/odata/standard.odata/...`.

Reproduces what integrators meet in practice: JSON "light" payloads with ``odata.metadata``, entity keys
as ``(guid'...')``, ``DataVersion``, tabular parts as arrays, ``<name>@navigationLinkUrl`` next to each
reference, ``odata.count`` for ``$inlinecount=allpages``, errors as ``odata.error`` with 1C's numeric codes,
Atom/XML when JSON is not asked for, and the ``Post()``/``Unpost()`` document actions.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from xml.sax.saxutils import escape, quoteattr

from .filters import FilterError, compile_filter, parse_orderby, sort_rows
from .schema import BOOL, DATE, DOUBLE, GUID, INT64, PRICES, Entity, Prop
from .store import NotFound, Store
from .util import EMPTY_DATE, EMPTY_REF, is_guid, now_str, parse_date
from .web import JSON_TYPE, XML_TYPE, ODataError, Response, json_response

# 1C's internal error codes (the "code" of odata.error).  Clients should key on the HTTP status; the codes
# are carried so that logs look like the ones from production.
E_INTERNAL = "-1"
E_EXTRA_SEGMENTS = "6"
E_NOT_FOUND = "9"
E_UNKNOWN_ENTITY = "14"
E_BAD_QUERY = "15"
E_BAD_BODY = "16"
E_TABULAR = "13"

# Virtual tables of registers: `InformationRegister_X/SliceLast()`, `AccumulationRegister_X/Balance(Condition='...')`.
_VIRTUAL_RE = re.compile(r"^(?P<name>SliceLast|SliceFirst|Balance)(?:\((?P<args>.*)\))?$", re.S)
_CONDITION_RE = re.compile(r"Condition\s*=\s*'(?P<expr>(?:[^']|'')*)'", re.S)
# `X_Key eq guid'...' or X_Key eq guid'...'`: what a client asks when it fetches a batch of known objects;
# 1C answers it from an index, the emulator from a set instead of running the expression on every row.
_KEYS_FILTER_RE = re.compile(
    r"^\s*\(?\s*(?P<prop>[^\s()]+) eq guid'(?P<first>[0-9a-fA-F-]{36})'\s*\)?"
    r"(?P<more>(?:\s+or\s+\(?\s*(?P=prop) eq guid'[0-9a-fA-F-]{36}'\s*\)?)*)\s*$"
)
_AND_KEYS_RE = re.compile(r"^\s*\((?P<rest>[^()]*)\)\s+and\s+\((?P<keys>.*)\)\s*$", re.S)
_GUID_IN_RE = re.compile(r"guid'([0-9a-fA-F-]{36})'")

_KEY_RE = re.compile(r"^(?P<set>[^(/]+)(?:\((?:Ref_Key=)?guid'(?P<key>[^']*)'\))?(?:/(?P<rest>.*))?$")


class QueryCache:
    """Filtered and ordered row lists by (entity set, $filter, $orderby, state of the entity set).

    Paging through 100,000 products with the same $filter would otherwise re-run the filter on every page.
    The state (:meth:`Store.state_of`) changes with every write to the set (for a register: every change of
    its rows), so a cached list can never be stale, and a write elsewhere does not throw it away.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.data: OrderedDict[tuple, list[dict]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> list[dict] | None:
        with self.lock:
            hit = self.data.get(key)
            if hit is not None:
                self.data.move_to_end(key)
            return hit

    def put(self, key: tuple, rows: list[dict]) -> None:
        with self.lock:
            self.data[key] = rows
            while len(self.data) > self.size:
                self.data.popitem(last=False)


class OData:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache = QueryCache()
        self._nav_cache: dict[str, list[str]] = {}

    # --- entry point ---------------------------------------------------------------------------------------

    def handle(self, method: str, rest: str, query: dict[str, str], body: bytes, root_url: str,
               accept: str = "") -> Response:
        fmt = query.get("$format", "").lower()
        as_json = "json" in fmt or (not fmt and "application/json" in accept)
        try:
            return self._route(method, rest, query, body, root_url, as_json)
        except ODataError as err:
            return err.to_response(as_json)

    def _route(self, method: str, rest: str, query: dict[str, str], body: bytes, root: str, as_json: bool) -> Response:
        rest = rest.strip("/")
        if rest == "":
            return self.service_document(root, as_json)
        if rest == "$metadata":
            return Response(200, self.metadata().encode("utf-8"), XML_TYPE, kind="xml")
        m = _KEY_RE.match(rest)
        if not m:
            raise ODataError(400, E_BAD_QUERY, f"Неверный адрес ресурса: {rest}")
        set_name, key, tail = m.group("set"), m.group("key"), m.group("rest")
        entity = self.store.entities.get(set_name)
        if entity is None:
            raise ODataError(404, E_UNKNOWN_ENTITY, f"Не найдена сущность с именем '{set_name}'")
        if key is not None and not is_guid(key):
            raise ODataError(400, E_BAD_QUERY, f"Неверный формат уникального идентификатора: '{key}'")
        if key is None:
            if tail == "$count" and method == "GET":
                rows = self.select_rows(entity, query)
                return Response(200, str(len(rows)).encode(), "text/plain;charset=utf-8", kind="data")
            virtual = _VIRTUAL_RE.match(tail or "")
            if virtual and method == "GET" and not entity.is_object:
                return self.get_virtual(entity, virtual.group("name"), virtual.group("args") or "", query, root,
                                        as_json)
            if tail:
                raise ODataError(400, E_EXTRA_SEGMENTS, "Обнаружены лишние сегменты!")
            if method == "GET":
                if entity.kind == "AccumulationRegister":
                    raise ODataError(400, E_BAD_QUERY, "Движения регистра накопления эмулятором не публикуются: "
                                                       "используйте виртуальную таблицу Balance()")
                return self.get_collection(entity, query, root, as_json)
            if method == "POST":
                return self.create(entity, body, root, as_json, query)
            raise ODataError(405, E_BAD_QUERY, f"Метод {method} не поддерживается для коллекции")
        if tail:
            action = tail.rstrip("()")
            if method == "POST" and action in ("Post", "Unpost") and entity.kind == "Document":
                return self.post_document(entity, key, action == "Post")
            raise ODataError(400, E_EXTRA_SEGMENTS, "Обнаружены лишние сегменты!")
        if method == "GET":
            return self.get_entity(entity, key, query, root, as_json)
        if method in ("PATCH", "MERGE", "PUT"):
            return self.update(entity, key, body, root, as_json, replace=method == "PUT")
        if method == "DELETE":
            return self.delete(entity, key)
        raise ODataError(405, E_BAD_QUERY, f"Метод {method} не поддерживается")

    # --- reading -------------------------------------------------------------------------------------------

    def _rows_of(self, entity: Entity) -> list[dict]:
        if entity.computed:
            try:
                return self.store.register_rows(entity.name)
            except NotFound as err:
                raise ODataError(404, E_UNKNOWN_ENTITY, f"Не найдена сущность с именем '{entity.name}'") from err
        return self.store.all(entity.name)

    def get_virtual(self, entity: Entity, name: str, args: str, query: dict[str, str], root: str,
                    as_json: bool) -> Response:
        """SliceLast()/SliceFirst() of a periodic information register, Balance() of an accumulation register."""
        if name == "Balance" and entity.kind == "AccumulationRegister":
            attrs = [p for p in entity.attrs if p.edm != DOUBLE] + [
                Prop(p.name + "Balance", DOUBLE) for p in entity.attrs if p.edm == DOUBLE]
        elif name in ("SliceLast", "SliceFirst") and entity.kind == "InformationRegister" and any(
                p.name == "Period" for p in entity.attrs):
            attrs = list(entity.attrs)
        else:
            raise ODataError(400, E_BAD_QUERY, f"Виртуальная таблица {name} не поддерживается для {entity.name}")
        virtual = Entity(f"{entity.name}_{name}", entity.kind, attrs, computed=True)
        condition = _CONDITION_RE.search(args)
        if condition:
            expr = condition.group("expr").replace("''", "'")
            flt = query.get("$filter", "").strip()
            query = dict(query, **{"$filter": f"({expr}) and ({flt})" if flt else expr})
        return self.get_collection(virtual, query, root, as_json)

    def select_rows(self, entity: Entity, query: dict[str, str]) -> list[dict]:
        flt = query.get("$filter", "").strip()
        orderby = query.get("$orderby", "").strip()
        cache_key = (entity.name, flt, orderby, self.store.state_of(entity.name))
        rows = self.cache.get(cache_key)
        if rows is not None:
            return rows
        props = entity.prop_map()
        keys = _KEYS_FILTER_RE.match(flt) if flt else None
        rest = ""
        conj = _AND_KEYS_RE.match(flt) if flt and not keys else None
        if conj and _KEYS_FILTER_RE.match(conj.group("keys")):
            # `(<condition>) and (<keys>)`: the keys are looked up first, the condition checked on those rows.
            rest, flt = conj.group("rest"), conj.group("keys")
            keys = _KEYS_FILTER_RE.match(flt)
        if keys and keys.group("prop") in props:
            wanted = {k.lower() for k in _GUID_IN_RE.findall(flt)}
            prop = keys.group("prop")
            if prop == "Ref_Key" and not entity.computed:
                table = self.store.rows[entity.name]
                rows = [table[k] for k in sorted(wanted) if k in table]  # a stable order, as an index gives
            else:
                try:
                    index = self.store.register_index(entity.name, prop) if entity.computed else None
                except NotFound as err:
                    raise ODataError(404, E_UNKNOWN_ENTITY, f"Не найдена сущность с именем '{entity.name}'") from err
                if index is not None:
                    rows = [row for k in sorted(wanted) for row in index.get(k, ())]
                else:
                    rows = [r for r in self._rows_of(entity) if str(r.get(prop, "")).lower() in wanted]
            flt = rest
        else:
            rows = self._rows_of(entity)
        try:
            if flt:
                tables = {t: {p.name for p in cols} | {"Ref_Key", "LineNumber"} | {
                    p.name + "_Type" for p in cols if p.composite} for t, cols in entity.tables.items()}
                predicate = compile_filter(flt, set(props), tables)
                rows = [r for r in rows if predicate(r)]
            if orderby:
                rows = sort_rows(rows, parse_orderby(orderby, set(props)))
        except FilterError as err:
            raise ODataError(400, E_BAD_QUERY, str(err)) from err
        self.cache.put(cache_key, rows)
        return rows

    @staticmethod
    def _int_option(query: dict[str, str], name: str) -> int | None:
        raw = query.get(name)
        if raw is None or raw == "":
            return None
        if not raw.isdigit():
            raise ODataError(400, E_BAD_QUERY, f"Неверное значение параметра {name}: '{raw}'")
        return int(raw)

    def get_collection(self, entity: Entity, query: dict[str, str], root: str, as_json: bool) -> Response:
        rows = self.select_rows(entity, query)
        total = len(rows)
        skip = self._int_option(query, "$skip") or 0
        top = self._int_option(query, "$top")
        page = rows[skip: skip + top if top is not None else None]
        select = self._select(entity, query)
        expand = self._expand(entity, query)
        inline = query.get("$inlinecount", "").lower()
        if inline not in ("", "none", "allpages"):
            raise ODataError(400, E_BAD_QUERY, f"Неверное значение параметра $inlinecount: '{inline}'")
        if not as_json:
            return Response(200, self.atom_feed(entity, page, root, total if inline == "allpages" else None,
                                                select).encode("utf-8"), "application/atom+xml;charset=utf-8",
                            kind="xml")
        payload: dict = {"odata.metadata": f"{root}/$metadata#{entity.name}"}
        if inline == "allpages":
            payload["odata.count"] = str(total)
        payload["value"] = [self.render(entity, r, select, expand) for r in page]
        return json_response(payload)

    def get_entity(self, entity: Entity, key: str, query: dict[str, str], root: str, as_json: bool) -> Response:
        if entity.computed:
            raise ODataError(400, E_BAD_QUERY, "Регистр сведений не адресуется по ссылке")
        rec = self.store.get(entity.name, key)
        if rec is None:
            raise ODataError(404, E_NOT_FOUND, f"Не найден объект с ключом guid'{key}'")
        return self._entity_response(entity, rec, root, as_json, self._select(entity, query),
                                     self._expand(entity, query))

    def _entity_response(self, entity: Entity, rec: dict, root: str, as_json: bool, select=None, expand=None,
                         status: int = 200, headers: dict | None = None) -> Response:
        if not as_json:
            body = self.atom_entry(entity, rec, root, select, standalone=True)
            return Response(status, body.encode("utf-8"), "application/atom+xml;charset=utf-8", headers or {},
                            kind="xml")
        payload = {"odata.metadata": f"{root}/$metadata#{entity.name}/@Element"}
        payload.update(self.render(entity, rec, select, expand))
        return json_response(payload, status, headers)

    def _select(self, entity: Entity, query: dict[str, str]) -> list[str] | None:
        raw = query.get("$select", "").strip()
        if not raw or raw == "*":
            return None
        names = [n.strip() for n in raw.split(",") if n.strip()]
        known = set(entity.prop_map()) | set(entity.tables)
        for n in names:
            if n not in known:
                raise ODataError(400, E_BAD_QUERY, f"Неизвестное свойство в $select: «{n}»")
        return names

    def _expand(self, entity: Entity, query: dict[str, str]) -> list[Prop] | None:
        raw = query.get("$expand", "").strip()
        if not raw:
            return None
        refs = {p.name[:-4]: p for p in entity.scalar_props() if p.ref and p.name.endswith("_Key")}
        out = []
        for n in (x.strip() for x in raw.split(",")):
            if n not in refs:
                raise ODataError(400, E_BAD_QUERY, f"Неизвестное навигационное свойство в $expand: «{n}»")
            out.append(refs[n])
        return out

    def _nav_props(self, entity: Entity) -> list[str]:
        """Reference properties of an entity (they get a navigation link), computed once per entity."""
        cached = self._nav_cache.get(entity.name)
        if cached is None:
            cached = [p.name for p in entity.scalar_props()
                      if p.ref and p.name.endswith("_Key") and p.name != "Ref_Key"]
            self._nav_cache[entity.name] = cached
        return cached

    def render(self, entity: Entity, rec: dict, select: list[str] | None = None,
               expand: list[Prop] | None = None) -> dict:
        """The JSON object 1C writes for one row: properties, then navigation links of references."""
        if select is None:
            out = dict(rec)
            names = None
        else:
            names = set(select)
            out = {k: v for k, v in rec.items() if k in names or (k.endswith("_Type") and k[:-5] in names)}
        if entity.is_object and "Ref_Key" in rec:
            base = f"{entity.name}(guid'{rec['Ref_Key']}')"
            for name in self._nav_props(entity):
                if names is None or name in names:
                    nav = name[:-4]
                    out[f"{nav}@navigationLinkUrl"] = f"{base}/{nav}"
        for p in expand or []:
            target_entity = self.store.entities.get(p.ref)
            target = self.store.get(p.ref, rec.get(p.name, EMPTY_REF)) if target_entity else None
            out[p.name[:-4]] = self.render(target_entity, target) if target else None
        return out

    # --- writing -------------------------------------------------------------------------------------------

    def _parse_body(self, body: bytes) -> dict:
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ODataError(400, E_BAD_BODY, f"Ошибка разбора тела запроса: {err}") from err
        if not isinstance(data, dict):
            raise ODataError(400, E_BAD_BODY, "Тело запроса должно быть объектом JSON")
        return data

    @staticmethod
    def _coerce(prop: Prop, value, where: str):
        if prop.edm == GUID:
            if value in (None, ""):
                return EMPTY_REF
            if not is_guid(value):
                raise ODataError(400, E_BAD_BODY, f"Неверный формат уникального идентификатора в свойстве "
                                                  f"{where}: '{value}'")
            return value.lower()
        if prop.edm == BOOL:
            if not isinstance(value, bool):
                raise ODataError(400, E_BAD_BODY, f"Ожидалось значение типа Edm.Boolean в свойстве {where}")
            return value
        if prop.edm == DOUBLE:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ODataError(400, E_BAD_BODY, f"Ожидалось число в свойстве {where}")
            try:
                return float(value)
            except ValueError as err:
                raise ODataError(400, E_BAD_BODY, f"Ожидалось число в свойстве {where}") from err
        if prop.edm == DATE:
            if value in (None, ""):
                return EMPTY_DATE
            try:
                return parse_date(str(value)).isoformat(timespec="seconds")
            except ValueError as err:
                raise ODataError(400, E_BAD_BODY, f"Неверный формат даты в свойстве {where}: '{value}'") from err
        if prop.edm == INT64:
            return str(value)
        if prop.composite:
            return value
        return "" if value is None else str(value)

    @staticmethod
    def _default(prop: Prop):
        return {GUID: EMPTY_REF, BOOL: False, DOUBLE: 0.0, DATE: EMPTY_DATE}.get(prop.edm, "")

    def _apply(self, entity: Entity, rec: dict, data: dict) -> dict:
        props = entity.prop_map()
        for name, value in data.items():
            if "@" in name or name.startswith("odata."):
                continue  # navigation links and annotations sent back by clients are ignored, as 1C does
            if name in ("DataVersion",):
                continue
            if name in entity.tables:
                rec[name] = self._rows(entity, name, value, rec["Ref_Key"])
                continue
            prop = props.get(name)
            if prop is None:
                raise ODataError(400, E_BAD_BODY, f"Неизвестное свойство «{name}» у сущности {entity.name}")
            rec[name] = self._coerce(prop, value, name)
        return rec

    def _rows(self, entity: Entity, table: str, value, owner: str) -> list[dict]:
        if not isinstance(value, list):
            raise ODataError(400, E_TABULAR, f"Табличная часть {table} должна быть массивом")
        cols = entity.tables[table]
        colmap = {p.name: p for p in cols}
        for p in cols:
            if p.composite:
                colmap[p.name + "_Type"] = Prop(p.name + "_Type")
        rows = []
        for n, raw in enumerate(value, 1):
            if not isinstance(raw, dict):
                raise ODataError(400, E_TABULAR, f"Строка {n} табличной части {table} должна быть объектом")
            row = {"Ref_Key": owner, "LineNumber": str(n)}
            for p in cols:
                row[p.name] = self._default(p)
                if p.composite:
                    row[p.name + "_Type"] = ""
            for name, v in raw.items():
                if name in ("Ref_Key", "LineNumber") or "@" in name:
                    continue
                prop = colmap.get(name)
                if prop is None:
                    raise ODataError(400, E_TABULAR, f"Неизвестное свойство «{name}» в табличной части {table}")
                row[name] = self._coerce(prop, v, f"{table}.{name}")
            rows.append(row)
        return rows

    def new_record(self, entity: Entity, data: dict) -> dict:
        """Build a complete record from a POST body: defaults, key, code/number, derived amounts."""
        key = data.get("Ref_Key") or self.store.new_key()
        if not is_guid(key):
            raise ODataError(400, E_BAD_BODY, f"Неверный формат уникального идентификатора: '{key}'")
        if self.store.get(entity.name, key.lower()) is not None:
            raise ODataError(400, E_BAD_BODY, f"Объект с ключом guid'{key}' уже существует")
        rec: dict = {}
        for p in entity.scalar_props():
            rec[p.name] = self._default(p)
            if p.composite:
                rec[p.name + "_Type"] = ""
            if p.name == "Predefined":
                for t in entity.tables:  # tabular parts come before Predefined in 1C's output
                    rec[t] = []
        for t in entity.tables:
            rec.setdefault(t, [])
        rec["Ref_Key"] = key.lower()
        self._apply(entity, rec, {k: v for k, v in data.items() if k != "Ref_Key"})
        if entity.kind == "Document":
            rec["Number"] = rec["Number"] or self.store.next_number(entity.name)
            rec["Date"] = rec["Date"] if rec["Date"] != EMPTY_DATE else now_str()
        elif entity.has_code and not rec.get("Code"):
            rec["Code"] = self.store.next_code(entity.name)
        self.derive(entity, rec)
        return rec

    def derive(self, entity: Entity, rec: dict) -> None:
        """What the object modules of a typical configuration compute on write."""
        if entity.name == self.store.profile.order:
            total = 0.0
            for row in rec.get("Товары", []):
                if not row.get("Сумма"):
                    row["Сумма"] = round(float(row.get("Количество") or 0) * float(row.get("Цена") or 0), 2)
                total += row["Сумма"]
            if not rec.get("СуммаДокумента"):
                rec["СуммаДокумента"] = round(total, 2)
            rec["Статус"] = rec.get("Статус") or "НеСогласован"
            rec["ВалютаДокумента"] = rec.get("ВалютаДокумента") or "RUB"
            if rec.get("Организация_Key") in (None, EMPTY_REF):
                rec["Организация_Key"] = self.store.ref.organization["Ref_Key"]
            if rec.get("Склад_Key") in (None, EMPTY_REF):
                rec["Склад_Key"] = self.store.ref.warehouses[0]["Ref_Key"]

    def create(self, entity: Entity, body: bytes, root: str, as_json: bool, query: dict[str, str]) -> Response:
        if entity.computed:
            raise ODataError(405, E_BAD_QUERY, "Запись в этот регистр через OData не поддерживается эмулятором")
        rec = self.new_record(entity, self._parse_body(body))
        if entity.kind == "Document" and query.get("PostingModeOperational") is not None:
            rec["Posted"] = True
        rec = self.store.put(entity.name, rec)
        location = f"{root}/{entity.name}(guid'{rec['Ref_Key']}')"
        return self._entity_response(entity, rec, root, as_json, status=201, headers={"Location": location})

    def update(self, entity: Entity, key: str, body: bytes, root: str, as_json: bool, replace: bool) -> Response:
        if entity.computed:
            raise ODataError(405, E_BAD_QUERY, "Изменение регистра через OData не поддерживается эмулятором")
        with self.store.lock:
            old = self.store.get(entity.name, key)
            if old is None:
                raise ODataError(404, E_NOT_FOUND, f"Не найден объект с ключом guid'{key}'")
            data = self._parse_body(body)
            rec = copy.deepcopy(old)
            self._apply(entity, rec, {k: v for k, v in data.items() if k != "Ref_Key"})
            self.derive(entity, rec)
            rec = self.store.put(entity.name, rec)
        return self._entity_response(entity, rec, root, as_json)

    def delete(self, entity: Entity, key: str) -> Response:
        if entity.computed or self.store.get(entity.name, key) is None:
            raise ODataError(404, E_NOT_FOUND, f"Не найден объект с ключом guid'{key}'")
        self.store.delete(entity.name, key)
        return Response(204, b"", kind="data")

    def post_document(self, entity: Entity, key: str, post: bool) -> Response:
        with self.store.lock:
            if self.store.get(entity.name, key) is None:
                raise ODataError(404, E_NOT_FOUND, f"Не найден объект с ключом guid'{key}'")
            rec = self.store.copy_of(entity.name, key)
            rec["Posted"] = post
            self.store.put(entity.name, rec)
        return Response(200, b"", kind="data")

    # --- documents describing the service ---------------------------------------------------------------

    def service_document(self, root: str, as_json: bool) -> Response:
        names = list(self.store.entities)
        if as_json:
            return json_response({"odata.metadata": f"{root}/$metadata",
                                  "value": [{"name": n, "url": n} for n in names]})
        colls = "".join(f'<collection href={quoteattr(n)}><atom:title>{escape(n)}</atom:title></collection>'
                        for n in names)
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<service xmlns="http://www.w3.org/2007/app" '
                f'xmlns:atom="http://www.w3.org/2005/Atom" xml:base={quoteattr(root)}><workspace>'
                f"<atom:title>Default</atom:title>{colls}</workspace></service>")
        return Response(200, body.encode("utf-8"), "application/atomsvc+xml;charset=utf-8", kind="xml")

    def metadata(self) -> str:
        """A minimal, valid CSDL document: entity types, row complex types and the EnterpriseV8 container."""
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">',
               '<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" '
               'm:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0">',
               '<Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="StandardODATA">']

        def prop_xml(p: Prop, key: bool = False) -> str:
            nullable = ' Nullable="false"' if key or p.edm in (GUID, BOOL) and p.name in (
                "Ref_Key", "DeletionMark", "Posted", "IsFolder", "Predefined") else ""
            text = f'<Property Name={quoteattr(p.name)} Type="{p.edm}"{nullable}/>'
            if p.composite:
                text += f'<Property Name={quoteattr(p.name + "_Type")} Type="Edm.String"/>'
            return text

        for e in self.store.entities.values():
            if e.is_object:
                keys = ["Ref_Key"]
            elif e.name == PRICES:
                keys = ["Period", self.store.profile.price_kind, "Номенклатура_Key"]
            else:
                keys = [e.attrs[0].name]
            parts = [f"<EntityType Name={quoteattr(e.name)}><Key>"]
            parts += [f"<PropertyRef Name={quoteattr(k)}/>" for k in keys]
            parts.append("</Key>")
            for p in e.standard_head() + e.attrs:
                parts.append(prop_xml(p, p.name in keys))
            for t in e.tables:
                parts.append(f'<Property Name={quoteattr(t)} Type="Collection(StandardODATA.{e.row_type(t)})" '
                             'Nullable="false"/>')
            for p in e.standard_tail():
                parts.append(prop_xml(p))
            parts.append("</EntityType>")
            out.append("".join(parts))
            for t, cols in e.tables.items():
                row = [f"<ComplexType Name={quoteattr(e.row_type(t))}>",
                       '<Property Name="Ref_Key" Type="Edm.Guid" Nullable="false"/>',
                       '<Property Name="LineNumber" Type="Edm.Int64" Nullable="false"/>']
                row += [prop_xml(p) for p in cols]
                row.append("</ComplexType>")
                out.append("".join(row))
        out.append('<EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">')
        for e in self.store.entities.values():
            out.append(f"<EntitySet Name={quoteattr(e.name)} EntityType={quoteattr('StandardODATA.' + e.name)}/>")
        out.append("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>")
        return "\n".join(out)

    # --- Atom/XML (what 1C answers when no JSON is asked for) --------------------------------------------

    @staticmethod
    def _xml_value(name: str, value, edm: str) -> str:
        if value is None:
            return f'<d:{name} m:null="true"/>'
        if isinstance(value, bool):
            return f'<d:{name} m:type="Edm.Boolean">{"true" if value else "false"}</d:{name}>'
        if isinstance(value, float):
            return f'<d:{name} m:type="Edm.Double">{value!r}</d:{name}>'
        type_attr = f' m:type="{edm}"' if edm != "Edm.String" else ""
        return f"<d:{name}{type_attr}>{escape(str(value))}</d:{name}>"

    def _xml_props(self, entity: Entity, rec: dict, select: list[str] | None) -> str:
        props = entity.prop_map()
        parts = []
        for name, value in rec.items():
            if select is not None and name not in select:
                continue
            if name in entity.tables:
                row_parts = []
                for row in value:
                    cells = "".join(self._xml_value(k, v, INT64 if k == "LineNumber" else "Edm.String")
                                    for k, v in row.items())
                    row_parts.append(f"<d:element>{cells}</d:element>")
                parts.append(f'<d:{name} m:type="Collection(StandardODATA.{entity.row_type(name)})">'
                             f'{"".join(row_parts)}</d:{name}>')
                continue
            prop = props.get(name)
            parts.append(self._xml_value(name, value, prop.edm if prop else "Edm.String"))
        return "".join(parts)

    def atom_entry(self, entity: Entity, rec: dict, root: str, select, standalone: bool = False) -> str:
        ns = ('xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
              'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" ') if standalone else ""
        ident = f"{root}/{entity.name}(guid'{rec['Ref_Key']}')" if "Ref_Key" in rec else f"{root}/{entity.name}"
        updated = dt.datetime.now().replace(microsecond=0).isoformat()
        head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
        base_attr = f" xml:base={quoteattr(root)}" if standalone else ""
        return (f"{head}<entry {ns}{base_attr}><id>{escape(ident)}</id>"
                f'<category term="StandardODATA.{escape(entity.name)}" '
                'scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"/>'
                f'<title type="text"/><updated>{updated}</updated><author/>'
                f'<content type="application/xml"><m:properties>{self._xml_props(entity, rec, select)}'
                "</m:properties></content></entry>")

    def atom_feed(self, entity: Entity, rows: list[dict], root: str, count: int | None, select) -> str:
        updated = dt.datetime.now().replace(microsecond=0).isoformat()
        count_xml = f"<m:count>{count}</m:count>" if count is not None else ""
        entries = "".join(self.atom_entry(entity, r, root, select) for r in rows)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
                'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
                'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" '
                f"xml:base={quoteattr(root)}><id>{escape(root)}/{escape(entity.name)}</id>"
                f'<title type="text">{escape(entity.name)}</title><updated>{updated}</updated><author/>'
                f"{count_xml}{entries}</feed>")


__all__ = ["OData", "JSON_TYPE"]
