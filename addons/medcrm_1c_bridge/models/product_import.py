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

from ..exchange import ExchangeError, records

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
    "medcrm_1c_connection_id",
    "type",
)
SQL_TYPES = {
    "medcrm_1c_connection_id": "int4",
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
# Units by their code in the Russian classifier (ОКЕИ): Odoo's own unit when it has one, otherwise a unit
# made once, named by its full Russian name, in its category (count units as "Units" 1:1, measures scaled).
OKEI = {
    "796": ("uom.product_uom_unit", "шт", "Штука"),
    "778": (None, "упак", "Упаковка"),
    "839": (None, "компл", "Комплект"),
    "715": (None, "пар", "Пара"),
    "704": (None, "набор", "Набор"),
    "736": (None, "рул", "Рулон"),
    "870": (None, "амп", "Ампула"),
    "872": (None, "флак", "Флакон"),
    "868": (None, "бут", "Бутылка"),
    "625": (None, "л.", "Лист"),
    "876": (None, "усл. ед", "Условная единица"),
    "166": ("uom.product_uom_kgm", "кг", "Килограмм"),
    "163": ("uom.product_uom_gram", "г", "Грамм"),
    "168": ("uom.product_uom_ton", "т", "Тонна"),
    "112": ("uom.product_uom_litre", "л", "Литр"),
    "111": (("uom.product_uom_litre", 1000.0), "мл", "Миллилитр"),
    "113": ("uom.product_uom_cubic_meter", "м3", "Кубический метр"),
    "006": ("uom.product_uom_meter", "м", "Метр"),
    "004": ("uom.product_uom_cm", "см", "Сантиметр"),
    "003": ("uom.product_uom_millimeter", "мм", "Миллиметр"),
    "055": ("uom.uom_square_meter", "м2", "Квадратный метр"),
    "356": ("uom.product_uom_hour", "ч", "Час"),
    "359": ("uom.product_uom_day", "сут", "Сутки"),
}
# Short names written instead of a code (national codes, abbreviations), onto the ОКЕИ code.
UNIT_WORDS = {
    "шт": "796",
    "штука": "796",
    "pce": "796",
    "упак": "778",
    "уп": "778",
    "упаковка": "778",
    "компл": "839",
    "комплект": "839",
    "к-т": "839",
    "пар": "715",
    "пара": "715",
    "набор": "704",
    "рул": "736",
    "рулон": "736",
    "амп": "870",
    "ампула": "870",
    "флак": "872",
    "флакон": "872",
    "бут": "868",
    "кг": "166",
    "килограмм": "166",
    "г": "163",
    "гр": "163",
    "грамм": "163",
    "т": "168",
    "л": "112",
    "литр": "112",
    "мл": "111",
    "миллилитр": "111",
    "м3": "113",
    "м³": "113",
    "м": "006",
    "метр": "006",
    "см": "004",
    "мм": "003",
    "м2": "055",
    "м²": "055",
    "ч": "356",
    "час": "356",
    "сут": "359",
    "дн": "359",
}


def okei_code(code=None, *names):
    """The ОКЕИ code of a unit given by a code ('796 ', '6') or, failing that, by one of its names."""
    code = (code or "").strip()
    if code.isdigit():
        return code.zfill(3)
    for name in (code, *names):
        word = (name or "").strip().lower().rstrip(".")
        if word in UNIT_WORDS:
            return UNIT_WORDS[word]
    return None


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
        self._taxes = {}
        # GUIDs of products that another connection mirrors: never touched from here.
        self.foreign = {}

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
        query = (
            "SELECT medcrm_1c_guid, id, medcrm_1c_version, active, medcrm_1c_connection_id FROM product_template "
            "WHERE medcrm_1c_guid IS NOT NULL AND "
        )
        if guids is None:
            self.cr.execute(query + "medcrm_1c_connection_id = %s", [self.connection.id])
        else:
            self.cr.execute(query + "medcrm_1c_guid = ANY(%s)", [sorted(guids)])
        self._templates = {}
        for guid, tid, version, active, owner in self.cr.fetchall():
            if owner == self.connection.id:
                self._templates[guid] = (tid, version, active)
            else:
                self.foreign[guid] = owner
        self._templates_complete = guids is None

    def check_foreign(self, guids):
        """Mark which of ``guids`` another connection mirrors (the archive and prices of this one skip them)."""
        self.cr.execute(
            "SELECT medcrm_1c_guid, medcrm_1c_connection_id FROM product_template WHERE medcrm_1c_guid = ANY(%s) "
            "AND medcrm_1c_connection_id IS DISTINCT FROM %s",
            [sorted(guids), self.connection.id],
        )
        self.foreign.update(self.cr.fetchall())

    def _load_maps(self):
        self.env.flush_all()
        self.categories = self._guid_map("product_category")
        self.uoms = self._guid_map("uom_uom")
        self.makers = self._guid_map("medcrm_manufacturer")
        self.analogues = self._guid_map("medcrm_analogue_group")
        self.uoms_by_okei = {}
        for uom in self.env["uom.uom"].with_context(active_test=False).search([("medcrm_1c_okei", "!=", False)]):
            self.uoms_by_okei.setdefault(uom.medcrm_1c_okei, uom.id)
        for okei, (xmlid, _short, _full) in OKEI.items():
            uom = self.env.ref(xmlid, raise_if_not_found=False) if isinstance(xmlid, str) else None
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
        """The Odoo unit of a 1C unit: by its reference, its ОКЕИ code (trimmed) or a known short name.

        A unit neither Odoo nor the ОКЕИ table knows is created once, named by its full name (never by a code
        or a GUID), and found again by that code or name afterwards.
        """
        if not key:
            return self.uoms_by_okei.get("796") or self.env.ref("uom.product_uom_unit").id
        if key in self.uoms:
            return self.uoms[key]
        info = lookups.get("units", {}).get(key, {})
        raw = info.get("code") or (key[5:] if key.startswith("okei:") else "")
        okei = okei_code(raw, info.get("name"), info.get("full_name"))
        uom_id = self.uoms_by_okei.get(okei) if okei else None
        if not uom_id:
            uom_id = self._make_uom(okei, info)
        if not key.startswith("okei:") and records.is_guid(key):
            uom = self.env["uom.uom"].browse(uom_id)
            if not uom.medcrm_1c_guid:
                uom.medcrm_1c_guid = key
        self.uoms[key] = uom_id
        return uom_id

    def _make_uom(self, okei, info):
        xmlid, _short, full = OKEI.get(okei, (None, None, None))
        # A unit of the table is named as the table says (both transports and every base agree on it); an unknown
        # one by the full name 1C gives.
        name = (full or info.get("full_name") or info.get("name") or "").strip()
        if not name or records.is_guid(name) or name.isdigit():
            # Nothing but a code or a reference to name it by: the piece, reported, rather than a unit named "796".
            self.log._medcrm_1c_add_warning(
                self.env._("Unit %s has no name in 1C: pieces are used.", info.get("code") or okei or "?")
            )
            return self.uoms_by_okei.get("796") or self.env.ref("uom.product_uom_unit").id
        model = self.env["uom.uom"].with_context(active_test=False)
        existing = model.search([("name", "=ilike", name)], limit=1)
        if existing:
            if okei and not existing.medcrm_1c_okei:
                existing.medcrm_1c_okei = okei
            if okei:
                self.uoms_by_okei[okei] = existing.id
            return existing.id
        if isinstance(xmlid, tuple):  # a measure scaled from Odoo's reference unit (ml = l / 1000)
            base = self.env.ref(xmlid[0])
            values = {"category_id": base.category_id.id, "uom_type": "smaller", "factor": xmlid[1]}
        else:
            values = {
                "category_id": self.env.ref("uom.product_uom_categ_unit").id,
                "uom_type": "bigger",
                "factor_inv": 1.0,
            }
        uom_id = model.create(dict(values, name=name, medcrm_1c_okei=okei or False)).id
        if okei:
            self.uoms_by_okei[okei] = uom_id
        return uom_id

    def tax(self, rate):
        """The sales tax of a VAT rate read from 1C ('20', '10', '0'); made once when the company has none."""
        if rate in self._taxes:
            return self._taxes[rate]
        company = self.env.company
        amount = float(rate)
        taxes = (
            self.env["account.tax"]
            .with_context(active_test=False)
            .search(
                [
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("amount", "=", amount),
                    ("company_id", "=", company.id),
                    ("price_include_override", "!=", "tax_included"),
                ]
            )
        )
        tax = taxes.filtered(lambda t: "НДС" in (t.with_context(lang="ru_RU").name or "")) or taxes.filtered("active")
        if not tax:
            country = company.account_fiscal_country_id or company.country_id or self.env.ref("base.ru")
            group = self.env["account.tax.group"].search([("company_id", "=", company.id)], limit=1)
            if not group:
                group = self.env["account.tax.group"].create(
                    {"name": "НДС", "company_id": company.id, "country_id": country.id}
                )
            tax = self.env["account.tax"].create(
                {
                    "name": f"НДС {rate}%",
                    "amount": amount,
                    "type_tax_use": "sale",
                    "amount_type": "percent",
                    "company_id": company.id,
                    "tax_group_id": group.id,
                    "country_id": country.id,
                }
            )
        self._taxes[rate] = tax[:1].id
        return self._taxes[rate]

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
                    self.env._("Product cannot be read: %s", rec["error"]),
                    rec.get("guid") or rec.get("ident"),
                    rec.get("payload"),
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
        for rate in sorted({rec.get("vat") for rec, _vals in rows} - {None, "none"}):
            self.tax(rate)  # made before the batches' savepoints, once
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
            "medcrm_1c_connection_id": self.connection.id,
            "type": "service" if rec.get("service") else "consu",
        }

    def _write_batch(self, rows):
        """Write ``rows`` in a savepoint; when that fails, split the batch in halves until the culprits are found."""
        known = {rec["guid"]: self.templates.get(rec["guid"]) for rec, _vals in rows}
        try:
            with self.cr.savepoint(flush=False):
                written = self._write(rows)
        except Exception as err:  # noqa: BLE001 - bisected below to isolate the offending items
            # The savepoint undid the rows: so must the map of what exists.
            for guid, entry in known.items():
                if entry is None:
                    self.templates.pop(guid, None)
                else:
                    self.templates[guid] = entry
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
        self._write_taxes_barcodes(rows)
        return done

    def _write_taxes_barcodes(self, rows):
        """VAT rate → the sales tax of the product; barcode → its variant (single-variant items)."""
        taxed = [(self.templates[rec["guid"]][0], rec["vat"]) for rec, _vals in rows if rec.get("vat")]
        if taxed:
            ids = [tid for tid, _rate in taxed]
            self.cr.execute("DELETE FROM product_taxes_rel WHERE prod_id = ANY(%s)", [ids])
            pairs = [(tid, self.tax(rate)) for tid, rate in taxed if rate != "none"]
            if pairs:
                self.cr.execute(
                    "INSERT INTO product_taxes_rel (prod_id, tax_id) SELECT * FROM unnest(%s::int[], %s::int[]) "
                    "ON CONFLICT DO NOTHING",
                    [[p[0] for p in pairs], [p[1] for p in pairs]],
                )
        coded = [(self.templates[rec["guid"]][0], rec["barcode"]) for rec, _vals in rows if rec.get("barcode")]
        if coded:
            self.cr.execute(
                "UPDATE product_product p SET barcode = v.code FROM unnest(%s::int[], %s::varchar[]) AS v(tid, code) "
                "WHERE p.product_tmpl_id = v.tid AND p.barcode IS DISTINCT FROM v.code "
                "AND NOT EXISTS (SELECT 1 FROM product_product o WHERE o.barcode = v.code AND o.id != p.id) "
                "AND NOT EXISTS (SELECT 1 FROM product_product q WHERE q.product_tmpl_id = p.product_tmpl_id "
                "AND q.id != p.id)",
                [[c[0] for c in coded], [c[1] for c in coded]],
            )

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

    def unseen(self, seen=None):
        """After a full read: the active mirrors of this connection that 1C did not list any more."""
        if self._templates is not None and not self._templates_complete:
            self.load_templates()  # a map restricted to a few items knows nothing of the others
        seen = self.seen if seen is None else seen
        return [g for g, (_tid, _version, active) in self.templates.items() if active and g not in seen]

    def active_count(self):
        return sum(1 for _tid, _version, active in self.templates.values() if active)

    def archive_unseen(self):
        self.archive(self.unseen())

    def apply_prices_stock(self, prices, stock, keys=None):
        """Write list price and stock balance where they differ; products missing from the balance have none.

        ``prices`` and ``stock`` are keyed by offer: a product's GUID, or 'product#characteristic' for a variant
        (the template then shows the lowest price of its variants and the sum of their stock; each variant
        keeps its own, see :meth:`apply_variant_prices_stock`).
        """
        prices, stock = self.template_totals(prices, stock)
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

    @staticmethod
    def template_totals(prices, stock):
        """Offer-level prices and stock (some per characteristic) → per product: lowest price, summed stock."""
        if not any("#" in k for k in prices) and not any("#" in k for k in stock):
            return prices, stock
        plain, lowest, tstock = {}, {}, {}
        for key, price in prices.items():
            guid, _sep, characteristic = key.partition("#")
            if not characteristic:
                plain[guid] = price
            elif guid not in lowest or price < lowest[guid]:
                lowest[guid] = price
        tprices = {**plain, **lowest}
        for key, qty in stock.items():
            guid = key.split("#", 1)[0]
            tstock[guid] = tstock.get(guid, 0.0) + (qty or 0.0)
        return tprices, tstock

    # --- characteristics: variants --------------------------------------------------------------------------
    def characteristic_attribute(self):
        attribute = self.env.ref("medcrm_1c_bridge.product_attribute_characteristic", raise_if_not_found=False)
        if not attribute:
            attribute = self.env["product.attribute"].create({"name": "Характеристика", "create_variant": "always"})
        return attribute

    def sync_variants(self, variants, prices, stock):
        """1C characteristics → variants of the product (attribute «Характеристика», values named as in 1C).

        Each variant keeps the characteristic's reference (``medcrm_1c_characteristic``), its barcode, stock and
        price (the template's price plus the value's extra). Templates whose characteristics did not change are
        not touched. Returns the number of variants written.
        """
        todo = {g: v for g, v in variants.items() if g in self.templates}
        if not todo:
            return 0
        attribute = self.characteristic_attribute()
        value_model = self.env["product.attribute.value"].with_context(active_test=False)
        values = {v.name: v.id for v in value_model.search([("attribute_id", "=", attribute.id)])}
        template_model = self.env["product.template"].with_context(
            tracking_disable=True, mail_create_nolog=True, active_test=False
        )
        product_model = self.env["product.product"].with_context(active_test=False)
        tids = [self.templates[g][0] for g in todo]
        current, plain = {}, {}
        self.env.flush_all()
        # Templates as the bulk writer made them: one variant, no attribute (the fast path below fills them).
        self.cr.execute(
            "SELECT p.product_tmpl_id, min(p.id) FROM product_product p WHERE p.product_tmpl_id = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM product_template_attribute_line l "
            "WHERE l.product_tmpl_id = p.product_tmpl_id) "
            "GROUP BY p.product_tmpl_id HAVING count(*) = 1",
            [tids],
        )
        plain = dict(self.cr.fetchall())
        for product in product_model.search([("product_tmpl_id", "in", [t for t in tids if t not in plain])]):
            if product.active and product.medcrm_1c_characteristic:
                current.setdefault(product.product_tmpl_id.id, {})[product.medcrm_1c_characteristic] = product
        written, fresh, changed = 0, [], []
        for guid, chars in todo.items():
            tid = self.templates[guid][0]
            names, used = {}, set()
            for char in sorted(chars, key=lambda c: c["key"]):
                name = (char.get("name") or "").strip() or char["key"].split("#", 1)[1][:8]
                if name.casefold() in used:  # two characteristics written alike: told apart by their reference
                    name = f"{name} ({char['key'].split('#', 1)[1][:8]})"
                used.add(name.casefold())
                names[char["key"]] = name
            have = current.get(tid, {})
            if set(have) == set(names) and all(
                have[k].product_template_attribute_value_ids.name == names[k] for k in names
            ):
                continue
            changed.append((tid, have, names))
        missing = sorted({n for _tid, _have, names in changed for n in names.values()} - set(values))
        for value in value_model.create([{"attribute_id": attribute.id, "name": n} for n in missing]):
            values[value.name] = value.id
        for tid, have, names in changed:
            written += len(names)
            if not have and tid in plain:
                fresh.append((tid, plain[tid], [(key, values[name]) for key, name in names.items()]))
                continue
            # A template whose characteristics changed: Odoo itself adds and removes the variants.
            template = template_model.browse(tid)
            line = template.attribute_line_ids.filtered(lambda line: line.attribute_id == attribute)
            value_ids = [values[n] for n in names.values()]
            if line:
                line.value_ids = [(6, 0, value_ids)]
            else:
                template.attribute_line_ids = [(0, 0, {"attribute_id": attribute.id, "value_ids": [(6, 0, value_ids)]})]
            by_name = {
                p.product_template_attribute_value_ids.name: p
                for p in template.product_variant_ids
                if len(p.product_template_attribute_value_ids) == 1
            }
            for key, name in names.items():
                if name in by_name:
                    by_name[name].medcrm_1c_characteristic = key
        if fresh:
            self._create_variants(attribute.id, fresh)
        self.env.flush_all()
        self.apply_variant_prices_stock(prices, stock, {c["key"]: c.get("barcode") for v in todo.values() for c in v})
        return written

    def _create_variants(self, attribute_id, fresh):
        """Variants of templates that had none, in SQL, exactly as ``_create_variant_ids`` makes them.

        ``fresh``: [(template id, its single variant id, [(characteristic key, attribute value id)])]. The
        template's attribute line, its values, one template attribute value per characteristic and one variant
        each: the existing variant takes the first characteristic, copies of it the others.
        """
        stamp = [self.env.uid, self.env.uid, self.now, self.now]
        tids = [t for t, _v, _c in fresh]
        counts = [len(chars) for _t, _v, chars in fresh]
        self.cr.execute(
            "INSERT INTO product_template_attribute_line (product_tmpl_id, attribute_id, active, sequence, "
            "value_count, create_uid, write_uid, create_date, write_date) "
            "SELECT t, %s, true, 10, n, %s, %s, %s, %s FROM unnest(%s::int[], %s::int[]) AS v(t, n) "
            "RETURNING id, product_tmpl_id",
            [attribute_id, *stamp, tids, counts],
        )
        lines = {tid: lid for lid, tid in self.cr.fetchall()}
        pairs = [(lines[t], value) for t, _v, chars in fresh for _key, value in chars]
        self.cr.execute(
            "INSERT INTO product_attribute_value_product_template_attribute_line_rel "
            "(product_template_attribute_line_id, product_attribute_value_id) "
            "SELECT * FROM unnest(%s::int[], %s::int[])",
            [[p[0] for p in pairs], [p[1] for p in pairs]],
        )
        self.cr.execute(
            "INSERT INTO product_template_attribute_value (ptav_active, product_attribute_value_id, attribute_line_id, "
            "price_extra, product_tmpl_id, attribute_id, create_uid, write_uid, create_date, write_date) "
            "SELECT true, v, l, 0, t, %s, %s, %s, %s, %s FROM unnest(%s::int[], %s::int[], %s::int[]) AS x(v, l, t) "
            "RETURNING id, attribute_line_id, product_attribute_value_id",
            [
                attribute_id,
                *stamp,
                [p[1] for p in pairs],
                [p[0] for p in pairs],
                [t for t, _v, chars in fresh for _c in chars],
            ],
        )
        ptavs = {(line, value): ptav for ptav, line, value in self.cr.fetchall()}
        # The template's own variant takes the first characteristic; copies of it take the others.
        first, copies = [], []
        for tid, variant, chars in fresh:
            for index, (key, value) in enumerate(chars):
                ptav = ptavs[(lines[tid], value)]
                (first if index == 0 else copies).append((variant, key, ptav))
        self.cr.execute(
            "UPDATE product_product p SET combination_indices = v.ptav::varchar, medcrm_1c_characteristic = v.key "
            "FROM unnest(%s::int[], %s::varchar[], %s::int[]) AS v(id, key, ptav) WHERE p.id = v.id",
            [[f[0] for f in first], [f[1] for f in first], [f[2] for f in first]],
        )
        made = []
        if copies:
            columns = self._variant_columns()
            select = ", ".join(f'p."{c}"' for c in columns)
            self.cr.execute(
                'INSERT INTO product_product ("{}", combination_indices, medcrm_1c_characteristic) '  # noqa: S608
                "SELECT {}, v.ptav::varchar, v.key FROM unnest(%s::int[], %s::varchar[], %s::int[]) "
                "WITH ORDINALITY AS v(src, key, ptav, n) JOIN product_product p ON p.id = v.src ORDER BY v.n "
                "RETURNING id, medcrm_1c_characteristic".format('", "'.join(columns), select),
                [[c[0] for c in copies], [c[1] for c in copies], [c[2] for c in copies]],
            )
            made = self.cr.fetchall()
        by_key = {key: ptav for _variant, key, ptav in first + copies}
        combos = [(f[0], f[2]) for f in first] + [(pid, by_key[key]) for pid, key in made]
        self.cr.execute(
            "INSERT INTO product_variant_combination (product_product_id, product_template_attribute_value_id) "
            "SELECT * FROM unnest(%s::int[], %s::int[])",
            [[c[0] for c in combos], [c[1] for c in combos]],
        )
        self.cr.execute(
            "UPDATE product_template SET has_configurable_attributes = (n > 1) "
            "FROM unnest(%s::int[], %s::int[]) AS v(t, n) WHERE id = v.t",
            [tids, counts],
        )
        self.env.invalidate_all()

    def _variant_columns(self):
        """Columns of product_product a copy of a variant takes from it (all but its identity and combination)."""
        self.cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'product_product' "
            "AND table_schema = current_schema()"
        )
        skip = {"id", "combination_indices", "medcrm_1c_characteristic", "barcode"}
        return sorted(name for (name,) in self.cr.fetchall() if name not in skip)

    def apply_variant_prices_stock(self, prices, stock, barcodes=None):
        """Per variant: stock, barcode; price as the extra of its value over the template's (lowest) price."""
        keys = [k for k in {*prices, *stock, *(barcodes or {})} if "#" in k]
        if not keys:
            return
        self.env.flush_all()
        self.cr.execute(
            "SELECT p.id, p.medcrm_1c_characteristic, t.list_price, ptav.id FROM product_product p "
            "JOIN product_template t ON t.id = p.product_tmpl_id "
            "LEFT JOIN product_variant_combination c ON c.product_product_id = p.id "
            "LEFT JOIN product_template_attribute_value ptav ON ptav.id = c.product_template_attribute_value_id "
            "WHERE p.medcrm_1c_characteristic = ANY(%s) AND t.medcrm_1c_connection_id = %s",
            [keys, self.connection.id],
        )
        rows = self.cr.fetchall()
        barcodes = barcodes or {}
        self.cr.execute(
            "UPDATE product_product p SET medcrm_1c_stock_qty = v.qty, barcode = COALESCE(v.code, p.barcode) "
            "FROM unnest(%s::int[], %s::float8[], %s::varchar[]) AS v(id, qty, code) WHERE p.id = v.id",
            [
                [r[0] for r in rows],
                [float(stock.get(r[1]) or 0.0) for r in rows],
                [barcodes.get(r[1]) or None for r in rows],
            ],
        )
        priced = [(r[3], round(prices[r[1]] - float(r[2] or 0.0), 2)) for r in rows if r[3] and r[1] in prices]
        if priced:
            self.cr.execute(
                "UPDATE product_template_attribute_value a SET price_extra = v.extra "
                "FROM unnest(%s::int[], %s::numeric[]) AS v(id, extra) WHERE a.id = v.id",
                [[p[0] for p in priced], [p[1] for p in priced]],
            )
        self.env.invalidate_all()


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
