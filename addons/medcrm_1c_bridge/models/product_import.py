"""Bulk writer of products mirrored from 1C.

A full catalogue (100,000 items) must land in well under a minute, which the ORM's per-record create
(variants, tracking, defaults) cannot do. The writer therefore:

- reads the existing mappings (GUID → template, version) in one query per model before starting; an
  incremental run reads only those of the items it was told changed (:meth:`ProductImporter.load_templates`);
- skips items whose 1C version did not change (a full resync of an unchanged catalogue writes nothing);
- inserts new templates and their single variant with ``INSERT … VALUES`` in batches, every other column
  taken from a *prototype*: a product created once through the ORM inside a rolled-back savepoint, so the
  defaults and stored computed values are exactly what ``create()`` would have given;
- updates changed items with one ``UPDATE … FROM (VALUES …)`` per batch;
- writes each batch inside a savepoint: when the batch fails (a constraint, a bad value), it is replayed
  record by record so only the offending items fail, each logged with its payload; nothing is half-written.

Small reference catalogs (groups, units, manufacturers, analogue groups) go through the ORM.
The ORM caches are invalidated after each batch.
"""

import contextlib
import datetime
import hashlib
import io
import json
import logging

from psycopg2.extras import Json

from odoo import fields
from odoo.tools import SQL

from ..exchange import ExchangeError

_logger = logging.getLogger(__name__)

BATCH = 5000
# Columns the importer sets itself; every other column of a new row comes from the prototype.
TEMPLATE_COLUMNS = (
    "name",
    "default_code",
    "medcrm_1c_code",
    "medcrm_1c_guid",
    "medcrm_1c_version",
    "medcrm_1c_full_name",
    "categ_id",
    "uom_id",
    "uom_po_id",
    "medcrm_registry_code",
    "medcrm_registry_date",
    "medcrm_registry_valid_until",
    "medcrm_manufacturer_id",
    "medcrm_own_production",
    "medcrm_analogue_group_id",
    "active",
    "medcrm_1c_synced_at",
    "list_price",
    "medcrm_1c_stock_qty",
)
SQL_TYPES = {
    "name": "jsonb",
    "categ_id": "int4",
    "uom_id": "int4",
    "uom_po_id": "int4",
    "medcrm_registry_date": "date",
    "medcrm_registry_valid_until": "date",
    "medcrm_manufacturer_id": "int4",
    "medcrm_own_production": "bool",
    "medcrm_analogue_group_id": "int4",
    "active": "bool",
    "medcrm_1c_synced_at": "timestamp",
    "medcrm_1c_guid": "varchar",
    "list_price": "numeric",
    "medcrm_1c_stock_qty": "float8",
}
# Price and stock may be unknown for an item (not read in this run): the stored value is kept then.
KEEP_WHEN_NULL = {"list_price": "1.0", "medcrm_1c_stock_qty": "0.0"}
# ОКЕИ codes of units Odoo already has.
OKEI_UOMS = {"796": "uom.product_uom_unit", "166": "uom.product_uom_kgm", "112": "uom.product_uom_litre"}


class _Rollback(Exception):
    pass


class ProductImporter:
    def __init__(self, connection, log):
        self.env = connection.env(su=True)
        self.cr = self.env.cr
        self.connection = connection.with_env(self.env)
        self.log = log.with_env(self.env)
        self.lang_keys = sorted({"en_US", *(code for code, _name in self.env["res.lang"].get_installed())})
        self.counts = {"read": 0, "created": 0, "updated": 0, "archived": 0, "unchanged": 0}
        self.seen = set()
        # Prices and stock read before the items, so new items are inserted complete (no second write).
        self.prices = {}
        self.stock = {}
        self.now = fields.Datetime.now()
        self._templates = None
        self._templates_complete = False
        self._load_maps()
        self._proto = None

    # --- maps of what exists ------------------------------------------------------------------------------
    @property
    def templates(self):
        """GUID → (template id, 1C version, active) of the mirrored products (all of them unless restricted)."""
        if self._templates is None:
            self.load_templates()
        return self._templates

    def load_templates(self, guids=None):
        """Read the mirrors of every item, or only of ``guids`` (an incremental run knows what changed).

        Restricted to ``guids``, the map knows nothing of the other items (:meth:`archive_unseen` reads them
        all again before it decides).
        """
        self.env.flush_all()
        query = "SELECT medcrm_1c_guid, id, medcrm_1c_version, active FROM product_template WHERE "
        if guids is None:
            self.cr.execute(query + "medcrm_1c_guid IS NOT NULL")
        else:
            self.cr.execute(query + "medcrm_1c_guid = ANY(%s)", [sorted(guids)])
        self._templates = {guid: (tid, version, active) for guid, tid, version, active in self.cr.fetchall()}
        self._templates_complete = guids is None

    def _load_maps(self):
        self.env.flush_all()
        self.categories = self._guid_map("product_category")
        self.uoms = self._guid_map("uom_uom")
        self.makers = self._guid_map("medcrm_manufacturer")
        self.analogues = self._guid_map("medcrm_analogue_group")
        self.uoms_by_okei = {}
        for uom in self.env["uom.uom"].with_context(active_test=False).search([("medcrm_1c_okei", "!=", False)]):
            self.uoms_by_okei.setdefault(uom.medcrm_1c_okei, uom.id)
        for okei, xmlid in OKEI_UOMS.items():
            uom = self.env.ref(xmlid, raise_if_not_found=False)
            if uom:
                self.uoms_by_okei.setdefault(okei, uom.id)

    def _guid_map(self, table):
        self.cr.execute(
            SQL("SELECT medcrm_1c_guid, id FROM %s WHERE medcrm_1c_guid IS NOT NULL", SQL.identifier(table))
        )
        return dict(self.cr.fetchall())

    # --- small catalogs (ORM) -----------------------------------------------------------------------------
    def root_category(self):
        connection = self.connection
        if not connection.category_id:
            # Named in Russian when the users work in Russian, whoever runs the exchange (often the cron).
            lang = "ru_RU" if self.env["res.lang"]._lang_get("ru_RU") else self.env.lang
            name = self.env(context=dict(self.env.context, lang=lang))._("Products from 1C")
            connection.category_id = self.env["product.category"].create({"name": name})
        return connection.category_id.id

    def sync_groups(self, groups):
        """Product groups of 1C become product categories, parents first."""
        category = self.env["product.category"]
        root = self.root_category()
        pending = list(groups)
        known = {g["guid"] for g in groups}
        while pending:
            progress, later = False, []
            for group in pending:
                parent = group["parent"]
                if parent and parent in known and parent not in self.categories:
                    later.append(group)
                    continue
                values = {"name": group["name"] or group["guid"], "parent_id": self.categories.get(parent, root)}
                existing = self.categories.get(group["guid"])
                if existing:
                    record = category.browse(existing)
                    if record.name != values["name"] or record.parent_id.id != values["parent_id"]:
                        record.write(values)
                else:
                    self.categories[group["guid"]] = category.create(dict(values, medcrm_1c_guid=group["guid"])).id
                progress = True
            if not progress:  # a cycle in 1C's hierarchy: attach what is left to the root
                for group in later:
                    group["parent"] = None
            pending = later

    def uom(self, key, lookups):
        if not key:
            return self.uoms_by_okei.get("796") or self.env.ref("uom.product_uom_unit").id
        if key in self.uoms:
            return self.uoms[key]
        info = lookups.get("units", {}).get(key, {})
        okei = info.get("code") or (key[5:] if key.startswith("okei:") else "")
        uom_id = self.uoms_by_okei.get(okei)
        if not uom_id:
            name = info.get("name") or okei or key
            uom_id = (
                self.env["uom.uom"]
                .create(
                    {
                        "name": name,
                        "category_id": self.env.ref("uom.product_uom_categ_unit").id,
                        "uom_type": "bigger",
                        "factor_inv": 1.0,
                        "medcrm_1c_okei": okei or False,
                    }
                )
                .id
            )
            if okei:
                self.uoms_by_okei[okei] = uom_id
        if not key.startswith("okei:"):
            uom = self.env["uom.uom"].browse(uom_id)
            if not uom.medcrm_1c_guid:
                uom.medcrm_1c_guid = key
        self.uoms[key] = uom_id
        return uom_id

    def maker(self, guid, lookups):
        if not guid:
            return None
        if guid in self.makers:
            return self.makers[guid]
        name = lookups.get("manufacturers", {}).get(guid, {}).get("name") or guid
        model = self.env["medcrm.manufacturer"].with_context(active_test=False)
        record = model.search([("name", "=", name), ("medcrm_1c_guid", "=", False)], limit=1)
        if record:
            record.medcrm_1c_guid = guid
        else:
            record = model.create({"name": name, "medcrm_1c_guid": guid})
        self.makers[guid] = record.id
        return record.id

    def analogue(self, value, lookups):
        if not value:
            return None
        if value in self.analogues:
            return self.analogues[value]
        model = self.env["medcrm.analogue.group"].with_context(active_test=False)
        name = lookups.get("analogue_groups", {}).get(value) or value
        guid = value if len(value) == 36 and value.count("-") == 4 else None
        record = model.search([("name", "=", name), ("medcrm_1c_guid", "=", False)], limit=1)
        if record and guid:
            record.medcrm_1c_guid = guid
        elif not record:
            record = model.create({"name": name, "medcrm_1c_guid": guid})
        self.analogues[value] = record.id
        return record.id

    # --- products -------------------------------------------------------------------------------------------
    def import_page(self, recs, lookups):
        """Create or update a page of product records; returns the GUIDs written (created or updated)."""
        rows, written = [], []
        for rec in recs:
            self.counts["read"] += 1
            if rec.get("error"):
                self.log._medcrm_1c_add_error(
                    self.env._("Product cannot be read: %s", rec["error"]), rec.get("guid"), rec.get("payload")
                )
                continue
            self.seen.add(rec["guid"])
            version = rec.get("version") or fingerprint(rec)
            existing = self.templates.get(rec["guid"])
            if existing and existing[1] == version and existing[2] == (not rec["deleted"]):
                self.counts["unchanged"] += 1
                continue
            try:
                rows.append((rec, self.values(rec, version, lookups)))
            except ExchangeError:
                raise  # 1C failed while a reference catalog was read: the run fails, not this item
            except Exception as err:  # noqa: BLE001 - one bad item must not stop the catalogue
                self.log._medcrm_1c_add_error(self.env._("Product cannot be mapped: %s", err), rec["guid"], rec)
        for start in range(0, len(rows), BATCH):
            written += self._write_batch(rows[start : start + BATCH])
        return written

    def values(self, rec, version, lookups):
        maker = self.maker(rec.get("manufacturer"), lookups)
        own = rec.get("own_production")
        if own is None and maker:
            own = bool(self.env["medcrm.manufacturer"].browse(maker).is_own)
        uom = self.uom(rec.get("unit"), lookups)
        name = rec.get("name") or rec.get("full_name") or rec["guid"]
        return {
            "name": dict.fromkeys(self.lang_keys, name),
            "default_code": rec.get("article") or rec.get("code") or None,
            "medcrm_1c_code": rec.get("code") or None,
            "medcrm_1c_guid": rec["guid"],
            "medcrm_1c_version": version,
            "medcrm_1c_full_name": rec.get("full_name") or None,
            "categ_id": self.categories.get(rec.get("parent")) or self.root_category(),
            "uom_id": uom,
            "uom_po_id": uom,
            "medcrm_registry_code": rec.get("registry_code") or None,
            "medcrm_registry_date": rec.get("registry_date"),
            "medcrm_registry_valid_until": rec.get("registry_valid_until"),
            "medcrm_manufacturer_id": maker,
            "medcrm_own_production": bool(own),
            "medcrm_analogue_group_id": self.analogue(rec.get("analogue_group"), lookups),
            "active": not rec["deleted"],
            "medcrm_1c_synced_at": self.now,
            "list_price": self.prices.get(rec["guid"]),
            "medcrm_1c_stock_qty": self.stock.get(rec["guid"], 0.0 if rec["guid"] in self.prices else None),
        }

    def _write_batch(self, rows):
        """Write ``rows`` in a savepoint; when that fails, split the batch in halves until the culprits are found."""
        try:
            with self.cr.savepoint(flush=False):
                written = self._write(rows)
        except Exception as err:  # noqa: BLE001 - bisected below to isolate the offending items
            if len(rows) == 1:
                rec = rows[0][0]
                self.log._medcrm_1c_add_error(self.env._("Product cannot be saved: %s", err), rec["guid"], rec)
                written = []
            else:
                _logger.info("1C products: batch of %s failed (%s), bisecting", len(rows), err)
                half = len(rows) // 2
                written = self._write_batch(rows[:half]) + self._write_batch(rows[half:])
        self.env.invalidate_all()
        return written

    def _write(self, rows):
        """Copy the batch into a temporary table, then insert the new items and update the known ones in SQL."""
        self._copy(rows)
        new = [(rec, vals) for rec, vals in rows if rec["guid"] not in self.templates]
        old = [(rec, vals) for rec, vals in rows if rec["guid"] in self.templates]
        done = []
        if new:
            done += self._insert(new)
        if old:
            done += self._update(old)
        return done

    def _copy(self, rows):
        cr = self.cr
        columns = SQL(", ").join(
            SQL("%s %s", SQL.identifier(c), SQL(SQL_TYPES.get(c, "varchar"))) for c in TEMPLATE_COLUMNS
        )
        cr.execute(
            SQL("CREATE TEMP TABLE IF NOT EXISTS medcrm_1c_product_batch (%s, is_new bool) ON COMMIT DROP", columns)
        )
        cr.execute("TRUNCATE medcrm_1c_product_batch")
        buffer = io.StringIO()
        for rec, vals in rows:
            is_new = rec["guid"] not in self.templates
            buffer.write("\t".join([*(copy_text(vals[c]) for c in TEMPLATE_COLUMNS), "t" if is_new else "f"]))
            buffer.write("\n")
        buffer.seek(0)
        columns = ", ".join(f'"{c}"' for c in TEMPLATE_COLUMNS)
        cr._obj.copy_expert(f"COPY medcrm_1c_product_batch ({columns}, is_new) FROM STDIN", buffer)

    def prototype(self):
        """Rows of a template and its variant as create() makes them, taken inside a rolled-back savepoint.

        Only the columns the prototype fills are kept (the others are NULL anyway); they are the same for
        every product and travel once per statement, as parameters.
        """
        if self._proto is None:
            unit = self.env.ref("uom.product_uom_unit").id
            with contextlib.suppress(_Rollback), self.cr.savepoint():
                template = (
                    self.env["product.template"]
                    .with_context(tracking_disable=True, mail_create_nolog=True)
                    .create({"name": "prototype", "type": "consu", "categ_id": self.root_category(), "uom_id": unit})
                )
                self.env.flush_all()
                self.cr.execute("SELECT * FROM product_template WHERE id = %s", [template.id])
                tmpl = dict(zip([d[0] for d in self.cr.description], self.cr.fetchone(), strict=True))
                self.cr.execute("SELECT * FROM product_product WHERE product_tmpl_id = %s", [template.id])
                variant = dict(zip([d[0] for d in self.cr.description], self.cr.fetchone(), strict=True))
                raise _Rollback
            self.env.invalidate_all()
            skip = {"id", "create_uid", "write_uid", "create_date", "write_date"}
            tmpl = {k: v for k, v in tmpl.items() if v is not None and k not in skip and k not in TEMPLATE_COLUMNS}
            variant = {
                k: v
                for k, v in variant.items()
                if v is not None and k not in skip and k not in ("product_tmpl_id", "default_code", "active")
            }
            self._proto = (tmpl, variant)
        return self._proto

    def _insert(self, rows):
        tmpl_proto, variant_proto = self.prototype()
        stamp = {"create_uid": self.env.uid, "write_uid": self.env.uid, "create_date": self.now, "write_date": self.now}
        consts = {**tmpl_proto, **stamp}
        columns = [*TEMPLATE_COLUMNS, *consts]
        # Column names come from the table itself (the prototype row) and from constants, never from 1C.
        select = [
            f'COALESCE(b."{c}", {KEEP_WHEN_NULL[c]})' if c in KEEP_WHEN_NULL else f'b."{c}"' for c in TEMPLATE_COLUMNS
        ] + ["%s"] * len(consts)
        self.cr.execute(
            'INSERT INTO product_template ("{}") SELECT {} FROM medcrm_1c_product_batch b WHERE b.is_new '  # noqa: S608
            "RETURNING id, medcrm_1c_guid".format('", "'.join(columns), ", ".join(select)),
            [adapt(v) for v in consts.values()],
        )
        ids = {guid: tid for tid, guid in self.cr.fetchall()}
        vconsts = {**variant_proto, **stamp}
        vcolumns = ["product_tmpl_id", "default_code", "active", *vconsts]
        self.cr.execute(
            'INSERT INTO product_product ("{}") SELECT t.id, t.default_code, t.active, {} '  # noqa: S608
            "FROM product_template t JOIN medcrm_1c_product_batch b ON b.medcrm_1c_guid = t.medcrm_1c_guid "
            "WHERE b.is_new".format('", "'.join(vcolumns), ", ".join(["%s"] * len(vconsts))),
            [adapt(v) for v in vconsts.values()],
        )
        for _rec, vals in rows:
            guid = vals["medcrm_1c_guid"]
            self.templates[guid] = (ids[guid], vals["medcrm_1c_version"], vals["active"])
        self.counts["created"] += len(rows)
        return list(ids)

    def _update(self, rows):
        sets = ", ".join(
            f'"{c}" = t.name || b."{c}"'
            if c == "name"
            else (f'"{c}" = COALESCE(b."{c}", t."{c}")' if c in KEEP_WHEN_NULL else f'"{c}" = b."{c}"')
            for c in TEMPLATE_COLUMNS
            if c != "medcrm_1c_guid"
        )
        self.cr.execute(
            f"UPDATE product_template t SET {sets}, write_uid = %s, write_date = %s "  # noqa: S608
            "FROM medcrm_1c_product_batch b WHERE b.medcrm_1c_guid = t.medcrm_1c_guid AND NOT b.is_new",
            [self.env.uid, self.now],
        )
        self.cr.execute(
            "UPDATE product_product p SET default_code = t.default_code, active = t.active, write_uid = %s, "
            "write_date = %s FROM product_template t JOIN medcrm_1c_product_batch b "
            "ON b.medcrm_1c_guid = t.medcrm_1c_guid AND NOT b.is_new WHERE p.product_tmpl_id = t.id "
            # the variant carries only these two: most changes in 1C (a price, a name) leave it as it is
            "AND (p.default_code IS DISTINCT FROM t.default_code OR p.active IS DISTINCT FROM t.active)",
            [self.env.uid, self.now],
        )
        for rec, vals in rows:
            tid, _version, was_active = self.templates[rec["guid"]]
            if was_active and not vals["active"]:
                self.counts["archived"] += 1
            else:
                self.counts["updated"] += 1
            self.templates[rec["guid"]] = (tid, vals["medcrm_1c_version"], vals["active"])
        return [rec["guid"] for rec, _vals in rows]

    def archive(self, guids):
        """Archive mirrors of items that 1C no longer has (deleted, not only marked)."""
        ids = [self.templates[g][0] for g in guids if g in self.templates and self.templates[g][2]]
        if not ids:
            return
        self.cr.execute(
            "UPDATE product_template SET active = false, write_date = %s, write_uid = %s WHERE id = ANY(%s)",
            [self.now, self.env.uid, ids],
        )
        self.cr.execute("UPDATE product_product SET active = false WHERE product_tmpl_id = ANY(%s)", [ids])
        for guid in guids:
            if guid in self.templates:
                tid, version, _active = self.templates[guid]
                self.templates[guid] = (tid, version, False)
        self.counts["archived"] += len(ids)
        self.env.invalidate_all()

    def archive_unseen(self):
        """After a full read: whatever mirror 1C did not list any more is archived."""
        if self._templates is not None and not self._templates_complete:
            self.load_templates()  # a map restricted to a few items knows nothing of the others
        self.archive([g for g, (_tid, _version, active) in self.templates.items() if active and g not in self.seen])

    def apply_prices_stock(self, prices, stock, keys=None):
        """Write list price and stock balance where they differ; products missing from the balance have none."""
        guids = set(keys) if keys is not None else set(self.templates)
        buffer, count = io.StringIO(), 0
        for guid in guids:
            tmpl = self.templates.get(guid)
            if not tmpl:
                continue
            buffer.write(f"{tmpl[0]}\t{copy_text(prices.get(guid))}\t{float(stock.get(guid, 0.0))!r}\n")
            count += 1
        if not count:
            return 0
        self.env.flush_all()
        buffer.seek(0)
        self.cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS medcrm_1c_price_batch (id int4, price numeric, qty float8) ON COMMIT DROP"
        )
        self.cr.execute("TRUNCATE medcrm_1c_price_batch")
        self.cr._obj.copy_expert("COPY medcrm_1c_price_batch (id, price, qty) FROM STDIN", buffer)
        self.cr.execute("ANALYZE medcrm_1c_price_batch")
        self.cr.execute(
            "UPDATE product_template t SET list_price = COALESCE(b.price, t.list_price), medcrm_1c_stock_qty = b.qty "
            "FROM medcrm_1c_price_batch b WHERE t.id = b.id AND (t.list_price IS DISTINCT FROM "
            "COALESCE(b.price, t.list_price) OR t.medcrm_1c_stock_qty IS DISTINCT FROM b.qty)"
        )
        changed = self.cr.rowcount
        self.env.invalidate_all()
        return changed


def regroup(pages, size=BATCH):
    """The records of ``pages`` (lists) again, in lists of about ``size``: what one write takes."""
    batch = []
    for page in pages:
        batch.extend(page)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def copy_text(value):
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def adapt(value):
    if isinstance(value, dict | list):
        return Json(value)
    return value


def fingerprint(rec):
    """A version for transports without DataVersion (CommerceML): a hash of what was read."""
    data = {k: v for k, v in rec.items() if k not in ("version", "payload")}
    return "sha1:" + hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()  # noqa: S324
