import json
import logging
import pickle
import tempfile
import time

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..exchange import ExchangeError, make_transport
from .medcrm_1c_field_mapping import PRESETS
from .product_import import ProductImporter, regroup

_logger = logging.getLogger(__name__)
# Currencies as 1C writes them in price types (short names of the currency catalog, old codes) → ISO code.
CURRENCY_WORDS = {
    "": "RUB",
    "руб": "RUB",
    "рубль": "RUB",
    "rub": "RUB",
    "rur": "RUB",
    "810": "RUB",
    "р": "RUB",
    "₽": "RUB",
    "грн": "UAH",
    "гривня": "UAH",
    "₴": "UAH",
    "usd": "USD",
    "долл": "USD",
    "$": "USD",
    "eur": "EUR",
    "евро": "EUR",
    "€": "EUR",
    "тенге": "KZT",
    "тг": "KZT",
    "бел. руб": "BYN",
    "byn": "BYN",
    "юань": "CNY",
    "cny": "CNY",
}

# Where the configurations keep units (УТ 11.4+/КА 2, УНФ/БП 3, УТ 11.1-11.3): named when the configured one is absent.
UNIT_SETS = ("Catalog_УпаковкиЕдиницыИзмерения", "Catalog_КлассификаторЕдиницИзмерения", "Catalog_ЕдиницыИзмерения")


class MedcrmOnecConnection(models.Model):
    """A 1C information base the CRM mirrors products and counterparties from, and exports to."""

    _name = "medcrm.1c.connection"
    _description = "1C connection"
    _order = "sequence, id"

    name = fields.Char(required=True, default=lambda self: self.env._("1C"))
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    transport = fields.Selection(
        [("odata", "OData (standard interface)"), ("commerceml", "CommerceML files"), ("soap", "SOAP web service")],
        required=True,
        default="odata",
        help="OData: everything through the standard OData interface of the publication. "
        "CommerceML: products from import.xml/offers.xml (a URL or a folder); counterparties are not exchanged. "
        "SOAP: counterparties (and later orders) are sent through the MedcrmExchange web service; master data is "
        "read through the OData interface of the same publication.",
    )
    url = fields.Char(
        string="Publication URL",
        required=True,
        help="Address of the published 1C base, e.g. https://1c.example.ru/trade (OData at …/odata/standard.odata), "
        "or the folder/URL holding import.xml and offers.xml for CommerceML.",
    )
    soap_url = fields.Char(
        string="Web service URL", help="Empty: <publication URL>/ws/medcrm_exchange.1cws, as 1C publishes it."
    )
    change_feed = fields.Char(
        string="Change feed (HTTP service)",
        default="hs/medcrm/changes",
        help="Path of the HTTP service listing changed objects since a counter (see the README for the 1C side). "
        "Empty: incremental exchanges compare the data versions of every item instead.",
    )
    username = fields.Char(string="User", groups="base.group_system")
    password = fields.Char(groups="base.group_system")
    timeout = fields.Float(string="Timeout (s)", default=30.0, help="Timeout of every call to 1C.")
    retries = fields.Integer(default=3, help="Further attempts after a failed call (with exponential back-off).")
    backoff = fields.Float(string="Back-off (s)", default=1.0, help="Pause before the first retry; doubled each time.")
    page_size = fields.Integer(default=5000, help="Objects read per OData request.")
    max_mb = fields.Integer(string="Size limit (MB)", default=512, help="Largest answer or file accepted from 1C.")

    preset = fields.Selection(
        [(key, value["label"]) for key, value in PRESETS.items()],
        string="1C configuration",
        required=True,
        default="ut11",
    )
    products_set = fields.Char(string="Products catalog", default="Catalog_Номенклатура", required=True)
    units_set = fields.Char(string="Units catalog", default="Catalog_УпаковкиЕдиницыИзмерения", required=True)
    makers_set = fields.Char(string="Manufacturers catalog", default="Catalog_Производители", required=True)
    props_set = fields.Char(
        string="Additional attributes", default="ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения"
    )
    prop_values_set = fields.Char(string="Attribute values", default="Catalog_ЗначенияСвойствОбъектов")
    partners_set = fields.Char(string="Counterparties catalog", default="Catalog_Контрагенты", required=True)
    contacts_set = fields.Char(string="Contact persons catalog", default="Catalog_КонтактныеЛица")
    prices_set = fields.Char(string="Prices register", default="InformationRegister_ЦеныНоменклатуры")
    price_type = fields.Char(
        default="Оптовая",
        help="The 1C price type giving the sales price: its name or its reference (Ref_Key). When 1C has no such "
        "type, prices are not read and the log lists the types 1C has.",
    )
    price_types_set = fields.Char(
        string="Price types catalog",
        default="Catalog_ВидыЦен",
        help="Catalog_ВидыЦен (УТ 11, КА 2, УНФ) or Catalog_ТипыЦенНоменклатуры (БП 3).",
    )
    price_kind_prop = fields.Char(
        string="Price type dimension",
        default="ВидЦены_Key",
        help="The prices register's price type dimension: ВидЦены_Key (УТ 11, КА 2), ВидЦен_Key (УНФ), "
        "ТипЦен_Key (БП 3).",
    )
    odata_metadata = fields.Text(
        string="OData metadata", readonly=True, copy=False, help="The entity sets and properties 1C publishes (JSON)."
    )
    odata_metadata_date = fields.Datetime(string="Metadata read on", readonly=True, copy=False)
    odata_check = fields.Text(string="Check of the 1C objects", readonly=True, copy=False)
    odata_set_count = fields.Integer(string="Entity sets published", compute="_compute_odata_set_count")
    stock_set = fields.Char(string="Stock register", default="AccumulationRegister_ТоварыНаСкладах")
    stock_resource = fields.Char(default="ВНаличии")
    orders_set = fields.Char(string="Customer orders document", default="Document_ЗаказКлиента")
    mapping_ids = fields.One2many("medcrm.1c.field.mapping", "connection_id", string="Field mapping", copy=True)

    archive_threshold = fields.Float(
        string="Archive without confirmation (%)",
        default=10.0,
        help="A full exchange that would archive more than this share of the products mirrored from this "
        "connection archives nothing and waits for an administrator to confirm (a partial or broken export "
        "must not empty the catalogue).",
    )
    sync_products = fields.Boolean(string="Receive products", default=True)
    sync_partners = fields.Boolean(string="Receive counterparties", default=True)
    export_partners = fields.Boolean(string="Export new counterparties", default=True)
    category_id = fields.Many2one("product.category", string="Root category", readonly=True, copy=False)
    product_cursor = fields.Integer(string="Products feed position", readonly=True, copy=False)
    partner_cursor = fields.Integer(string="Counterparties feed position", readonly=True, copy=False)
    last_product_sync = fields.Datetime(string="Products read on", readonly=True, copy=False)
    last_partner_sync = fields.Datetime(string="Counterparties read on", readonly=True, copy=False)
    log_ids = fields.One2many("medcrm.1c.sync.log", "connection_id", string="Exchange log")
    log_count = fields.Integer(compute="_compute_log_count")
    product_count = fields.Integer(compute="_compute_log_count")

    @api.depends("odata_metadata")
    def _compute_odata_set_count(self):
        for connection in self:
            connection.odata_set_count = len(connection._medcrm_1c_metadata() or {})

    def _medcrm_1c_metadata(self):
        """The stored ``$metadata`` summary ({set: {props, tables, folders}}), or None before a test connection."""
        try:
            data = json.loads(self.sudo().odata_metadata or "null")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _compute_log_count(self):
        logs = dict(
            self.env["medcrm.1c.sync.log"]._read_group(
                [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]
            )
        )
        products = dict(
            self.env["product.template"]
            .with_context(active_test=False)
            ._read_group([("medcrm_1c_connection_id", "in", self.ids)], ["medcrm_1c_connection_id"], ["__count"])
        )
        for connection in self:
            connection.log_count = logs.get(connection, 0)
            connection.product_count = products.get(connection, 0)

    @api.model_create_multi
    def create(self, vals_list):
        connections = super().create(vals_list)
        for connection, vals in zip(connections, vals_list, strict=True):
            if not vals.get("mapping_ids"):
                connection._medcrm_1c_apply_preset()
        return connections

    @api.constrains("timeout", "retries", "page_size", "max_mb", "archive_threshold")
    def _check_limits(self):
        for connection in self:
            if connection.timeout <= 0 or connection.retries < 0 or connection.page_size <= 0 or connection.max_mb <= 0:
                raise UserError(self.env._("Timeout, page size and size limit must be positive, retries not negative."))
            if not 0 <= connection.archive_threshold <= 100:
                raise UserError(self.env._("The share archived without confirmation is between 0 and 100 %."))

    # --- actions (buttons) -----------------------------------------------------------------------------------
    def action_apply_preset(self):
        for connection in self:
            connection._medcrm_1c_apply_preset()
        return True

    def action_test_connection(self):
        self.ensure_one()
        transport = self._medcrm_1c_transport()
        try:
            if self.transport == "commerceml":
                count = len(transport.product_groups())
            else:
                return self._medcrm_1c_test_odata(transport)
        except ExchangeError as err:
            raise UserError(self._medcrm_1c_error_message(err)) from err
        finally:
            transport.close()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("1C answers (%(count)s object(s) read).", count=count),
                "sticky": False,
            },
        }

    def _medcrm_1c_test_odata(self, transport):
        """Read ``$metadata``, keep which sets and properties the base has, and say what the settings miss."""
        meta = transport.read_metadata()
        problems = self._medcrm_1c_check_metadata(meta)
        self.sudo().write(
            {
                "odata_metadata": json.dumps(meta, ensure_ascii=False, sort_keys=True),
                "odata_metadata_date": fields.Datetime.now(),
                "odata_check": "\n".join(problems) or self.env._("Every configured 1C object is published."),
            }
        )
        message = self.env._("1C answers: %(count)s entity sets published, stored.", count=len(meta))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if problems else "success",
                "message": "\n".join([message, *problems]),
                "sticky": bool(problems),
            },
        }

    def _medcrm_1c_check_metadata(self, meta):
        """What the configured sets and mapped requisites miss in ``meta``, in words (empty: all is there)."""
        problems = []
        required = [("products_set", self.env._("products")), ("units_set", self.env._("units"))]
        if self.sync_partners or self.export_partners:
            required.append(("partners_set", self.env._("counterparties")))
        for name, what in required:
            set_name = self[name]
            if set_name not in meta:
                problems.append(self.env._("1C does not publish %(set)s (%(what)s).", set=set_name, what=what))
        mapped = {line.target for line in self.mapping_ids if line.source_kind != "none" and line.source}
        optional = [("makers_set", self.env._("manufacturers"))] if "manufacturer" in mapped else []
        optional += [
            ("contacts_set", self.env._("contact persons")),
            ("price_types_set", self.env._("price types")),
            ("prices_set", self.env._("prices")),
            ("stock_set", self.env._("stock balances")),
        ]
        if any(line.source_kind == "property" for line in self.mapping_ids):
            optional.append(("props_set", self.env._("additional attributes")))
        for name, what in optional:
            set_name = self[name]
            if not set_name:
                problems.append(self.env._("No 1C object is configured for %(what)s: not read.", what=what))
            elif set_name not in meta:
                problems.append(
                    self.env._("1C does not publish %(set)s (%(what)s): not read.", set=set_name, what=what)
                )
        if self.units_set not in meta:
            known = [s for s in UNIT_SETS if s in meta]
            if known:
                problems.append(self.env._("Units are published as %(sets)s.", sets=", ".join(known)))
        labels = dict(self.env["medcrm.1c.field.mapping"]._fields["target"]._description_selection(self.env))
        for line in self.mapping_ids.filtered(lambda m: m.source_kind == "requisite" and m.source):
            set_name = self.products_set if line.entity == "product" else self.partners_set
            source = line.source.split("|", 1)[0].strip()
            props = set((meta.get(set_name) or {}).get("props", ()))
            if set_name in meta and source not in props:
                problems.append(
                    self.env._(
                        "%(set)s has no requisite %(prop)s (%(field)s): not read.",
                        set=set_name,
                        prop=source,
                        field=labels.get(line.target, line.target),
                    )
                )
        return problems

    def action_sync_products_full(self):
        for connection in self:
            connection._medcrm_1c_sync_products(full=True)
        return self.action_view_logs()

    def action_sync_products(self):
        for connection in self:
            connection._medcrm_1c_sync_products(full=False)
        return self.action_view_logs()

    def action_sync_prices_stock(self):
        for connection in self:
            connection._medcrm_1c_sync_prices_stock()
        return self.action_view_logs()

    def action_sync_partners(self):
        for connection in self:
            connection._medcrm_1c_sync_partners()
        return self.action_view_logs()

    def action_export_partners(self):
        for connection in self:
            connection._medcrm_1c_export_partners()
        return self.action_view_logs()

    def action_view_logs(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("medcrm_1c_bridge.action_medcrm_1c_sync_log")
        action["domain"] = [("connection_id", "in", self.ids)]
        return action

    # --- scheduled jobs ------------------------------------------------------------------------------------
    @api.model
    def _cron_sync(self):
        """Every few minutes: changed products, counterparties both ways."""
        for connection in self.search([("active", "=", True)]):
            if connection.sync_products:
                connection._medcrm_1c_sync_products(full=False)
            if connection.export_partners and connection.transport != "commerceml":
                connection._medcrm_1c_export_partners()
            if connection.sync_partners and connection.transport != "commerceml":
                connection._medcrm_1c_sync_partners()
            self._medcrm_1c_commit()

    @api.model
    def _cron_sync_full(self):
        """Nightly: a full, idempotent resync of the catalogue with prices and stock."""
        for connection in self.search([("sync_products", "=", True)]):
            connection._medcrm_1c_sync_products(full=True)
            self._medcrm_1c_commit()

    @api.model
    def _cron_sync_prices_stock(self):
        for connection in self.search([("sync_products", "=", True)]):
            connection._medcrm_1c_sync_prices_stock()
            self._medcrm_1c_commit()

    def _medcrm_1c_commit(self):
        # Scheduled runs commit after each step, so a late failure keeps the work done before it.
        if self.env.context.get("cron_id") or self.env.context.get("medcrm_1c_commit"):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    # --- settings given to the transports ------------------------------------------------------------------
    def _medcrm_1c_apply_preset(self):
        self.ensure_one()
        preset = PRESETS[self.preset]
        self.write(
            dict(
                preset["sets"],
                mapping_ids=[(5, 0, 0)]
                + [(0, 0, line) for line in self.env["medcrm.1c.field.mapping"]._medcrm_1c_preset_lines(self.preset)],
            )
        )

    def _medcrm_1c_settings(self):
        self.ensure_one()
        connection = self.sudo()
        mapping = {"product": {}, "partner": {}}
        for line in connection.mapping_ids:
            if line.source_kind != "none" and line.source:
                mapping[line.entity][line.target] = (line.source_kind, line.source.strip())
        return {
            "transport": connection.transport,
            "url": (connection.url or "").strip(),
            "soap_url": (connection.soap_url or "").strip(),
            "change_feed": (connection.change_feed or "").strip(),
            "username": connection.username or "",
            "password": connection.password or "",
            "timeout": connection.timeout,
            "retries": connection.retries,
            "backoff": connection.backoff,
            "page_size": connection.page_size,
            "max_bytes": connection.max_mb * 1024 * 1024,
            "products_set": connection.products_set,
            "units_set": connection.units_set,
            "makers_set": connection.makers_set,
            "props_set": connection.props_set,
            "prop_values_set": connection.prop_values_set,
            "partners_set": connection.partners_set,
            "contacts_set": connection.contacts_set,
            "prices_set": connection.prices_set,
            "price_type": connection.price_type,
            "price_types_set": connection.price_types_set,
            "price_kind_prop": connection.price_kind_prop,
            "metadata": connection._medcrm_1c_metadata(),
            "stock_set": connection.stock_set,
            "stock_resource": connection.stock_resource,
            "orders_set": connection.orders_set,
            "order_state_set": connection.order_state_set,
            "mapping": mapping,
        }

    def _medcrm_1c_transport(self):
        transport = make_transport(self._medcrm_1c_settings())
        transport.convert = self._medcrm_1c_converter()
        return transport

    def _medcrm_1c_converter(self):
        """(amount, currency as 1C writes it) → amount in the company currency, or None when it cannot be converted.

        1C writes the currency by its code ('643', 'RUB') or its short name ('руб.'); a foreign currency needs a
        rate in Odoo, otherwise the item's price is reported and not written.
        """
        company = self.env.company
        target = company.currency_id
        currency_model = self.env["res.currency"].sudo().with_context(active_test=False)
        cache = {}

        def find(code):
            code = (code or "").strip()
            if code not in cache:
                word = code.lower().rstrip(".")
                if word in CURRENCY_WORDS:
                    cache[code] = currency_model.search([("name", "=", CURRENCY_WORDS[word])], limit=1)
                elif code.isdigit():
                    cache[code] = currency_model.search([("iso_numeric", "=", int(code))], limit=1)
                else:
                    cache[code] = currency_model.search([("name", "=ilike", code)], limit=1)
            return cache[code]

        factors = {}

        def convert(amount, code):
            if code not in factors:
                currency = find(code)
                if not currency:
                    factors[code] = None
                elif currency == target:
                    factors[code] = 1.0
                else:
                    rates = (
                        self.env["res.currency.rate"]
                        .sudo()
                        .search_count(
                            [("currency_id", "=", currency.id), ("company_id", "in", (company.id, False))], limit=1
                        )
                    )
                    factors[code] = (
                        currency._convert(1.0, target, company, fields.Date.context_today(self), round=False)
                        if rates
                        else None
                    )
            factor = factors[code]
            return None if factor is None else amount * factor

        return convert

    def _medcrm_1c_error_message(self, err):
        """The translated text of an exchange error (see exchange/errors.py)."""
        messages = {
            "unreachable": self.env._("1C is unreachable at %(url)s: %(detail)s"),
            "timeout": self.env._("1C did not answer within %(timeout)s s at %(url)s"),
            "http_status": self.env._("1C answered HTTP %(status)s at %(url)s: %(detail)s"),
            "auth": self.env._("1C refused the user name or password (HTTP 401) at %(url)s"),
            "malformed_json": self.env._("1C sent malformed JSON at %(url)s: %(detail)s"),
            "malformed_xml": self.env._("1C sent malformed XML: %(detail)s"),
            "forbidden_xml": self.env._("1C sent XML with a DTD or entities, refused for safety: %(detail)s"),
            "too_large": self.env._("1C sent more than %(limit)s bytes at %(url)s"),
            "bad_guid": self.env._("1C sent a reference that is not a GUID: %(detail)s"),
            "soap_fault": self.env._("The 1C web service refused the request: %(detail)s"),
            "not_supported": self.env._("The %(transport)s transport cannot %(what)s"),
            "empty_feed": self.env._(
                "The 1C feed holds no readable product (%(detail)s): nothing was written or archived."
            ),
        }
        template = messages.get(getattr(err, "code", None))
        if not template:
            return str(err)
        params = dict(err.params)
        if err.code == "not_supported":
            params["what"] = self._medcrm_1c_unsupported_what(params.get("what"))
        try:
            return template % params
        except (KeyError, TypeError, ValueError):
            return str(err)

    def _medcrm_1c_unsupported_what(self, what):
        """The translated name of what a transport cannot do (see exchange/transport.py)."""
        names = {
            "read reference catalogs": self.env._("read reference catalogs"),
            "read product groups": self.env._("read product groups"),
            "read products": self.env._("read products"),
            "read product versions": self.env._("read product versions"),
            "read prices": self.env._("read prices"),
            "read stock balances": self.env._("read stock balances"),
            "read the change feed": self.env._("read the change feed"),
            "read the change feed (no HTTP service configured)": self.env._(
                "read the change feed (no HTTP service configured)"
            ),
            "read counterparties": self.env._("read counterparties"),
            "create counterparties": self.env._("create counterparties"),
            "send customer orders": self.env._("send customer orders"),
            "read the status of customer orders": self.env._("read the status of customer orders"),
        }
        return names.get(what, what)

    def _medcrm_1c_warning_message(self, code, params):
        """The translated text of a transport's warning (ODataTransport.warn, CommerceMLTransport.warn)."""
        whats = {
            "units": self.env._("units"),
            "manufacturers": self.env._("manufacturers"),
            "additional attributes": self.env._("additional attributes"),
            "attribute values": self.env._("attribute values"),
            "contact persons": self.env._("contact persons"),
            "price types": self.env._("price types"),
            "prices": self.env._("prices"),
            "stock balances": self.env._("stock balances"),
        }
        params = dict(params, what=whats.get(params.get("what"), params.get("what")))
        templates = {
            "missing_set": self.env._("1C does not publish %(set)s (%(what)s): not read."),
            "no_set": self.env._("No 1C object is configured for %(what)s: not read."),
            "missing_property": self.env._("%(set)s has no property %(prop)s: not read."),
            "missing_price_type": self.env._(
                "1C has no price type «%(wanted)s» in %(set)s: prices were not read. Price types in 1C: %(present)s."
            ),
            "price_type_missing": self.env._(
                "Price type «%(wanted)s» is not in the 1C feed: no price was written. Price types present: %(present)s."
            ),
            "currency": self.env._(
                "Offer %(ident)s: price in currency %(currency)s that has no rate in Odoo: not written."
            ),
            "bad_offer": self.env._("Offer %(ident)s skipped: %(detail)s"),
            "bad_price": self.env._("Offer %(ident)s: price «%(detail)s» is not a number, skipped."),
            "bad_group": self.env._("Group %(ident)s skipped: %(detail)s"),
            "not_commerceml": self.env._("File %(file)s is not a CommerceML document: skipped."),
        }
        try:
            return templates[code] % params
        except (KeyError, TypeError, ValueError):
            return f"{code}: {params}"

    def _medcrm_1c_new_log(self, direction, entity, mode):
        return (
            self.env["medcrm.1c.sync.log"]
            .sudo()
            .create({"connection_id": self.id, "direction": direction, "entity": entity, "mode": mode})
        )

    def _medcrm_1c_run(self, direction, entity, mode, work):
        """Run ``work(transport, log)`` with a log; an exchange failure fails the run, never the caller."""
        self.ensure_one()
        log = self._medcrm_1c_new_log(direction, entity, mode)
        started = time.monotonic()
        transport = self._medcrm_1c_transport()
        message = None
        try:
            work(transport, log)
        except ExchangeError as err:
            message = self._medcrm_1c_error_message(err)
            if err.payload:
                log._medcrm_1c_add_error(message, payload=err.payload)
            _logger.warning("1C exchange %s/%s failed: %s", entity, mode, err)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            # 1C sent a shape no check foresaw: the run fails with a log, the scheduler carries on.
            message = self.env._("Unexpected answer from 1C: %s", err)
            _logger.exception("1C exchange %s/%s failed", entity, mode)
        finally:
            transport.close()
            warnings = [self._medcrm_1c_warning_message(code, p) for code, p in getattr(transport, "warnings", ())]
            log._medcrm_1c_finish(started, message, transport.http.attempts, warnings)
        return log

    # --- products ----------------------------------------------------------------------------------------------
    def _medcrm_1c_sync_products(self, full=False):
        """Mirror the 1C catalogue: everything (``full``) or what changed since the last exchange.

        The whole exchange is read first (every file or page, into a spool on disk), then written: a feed that
        breaks half-way writes nothing; a full feed that would archive more than ``archive_threshold`` % of this
        connection's mirror archives nothing and waits for an administrator (state "awaiting confirmation").
        """
        self.ensure_one()
        incremental = not full and self.last_product_sync and self.transport != "commerceml"
        mode = "incremental" if incremental else "full"

        def work(transport, log):
            importer = ProductImporter(self, log)
            if incremental:
                self._medcrm_1c_products_incremental(transport, importer, log)
            else:
                self._medcrm_1c_products_full(transport, importer, log)
            counts = importer.counts
            log.write({f"count_{key}": value for key, value in counts.items()})
            self.sudo().last_product_sync = fields.Datetime.now()

        return self._medcrm_1c_run("in", "products", mode, work)

    def _medcrm_1c_log_warnings(self, transport, log):
        for code, params in getattr(transport, "warnings", ()):
            log._medcrm_1c_add_warning(self._medcrm_1c_warning_message(code, params), params.get("ident"))
        if getattr(transport, "warnings", None):
            transport.warnings = []

    def _medcrm_1c_products_full(self, transport, importer, log):
        head = self._medcrm_1c_feed_head(transport)
        # 1. Read the whole exchange: nothing is written before every file or page has been read.
        groups = transport.product_groups()
        prices, stock = transport.prices(), transport.stock()
        with _Spool() as spool:
            for page in transport.iter_products():
                spool.add(page)
            variants = transport.variants() if hasattr(transport, "variants") else {}
            lookups = transport.reference_data()
            changes_only = getattr(transport, "changes_only", False)
            self._medcrm_1c_log_warnings(transport, log)
            # 2. Check it against the mirror.
            importer.check_foreign(spool.guids)
            foreign = spool.guids & set(importer.foreign)
            for guid in sorted(foreign)[:100]:
                log._medcrm_1c_add_warning(
                    self.env._("Product %s is mirrored from another 1C connection: left to it.", guid), guid
                )
            mirror = importer.active_count()
            if not spool.guids and mirror and not changes_only:
                raise ExchangeError("empty_feed", detail=self._medcrm_1c_source_info(transport, spool))
            unseen = [] if changes_only else importer.unseen(spool.guids)
            hold = bool(unseen) and len(unseen) * 100.0 > self.archive_threshold * max(mirror, 1)
            # 3. Write.
            importer.sync_groups(groups)
            importer.prices, importer.stock = importer.template_totals(prices, stock)
            for page in spool:
                importer.import_page([r for r in page if r.get("guid") not in foreign], lookups)
                self._medcrm_1c_commit()
        if hold:
            log.write({"pending_archive": json.dumps(sorted(unseen)), "count_pending": len(unseen)})
        else:
            importer.archive(unseen)
        if prices or stock:
            importer.apply_prices_stock(prices, stock)
        else:
            # No offer at all (an offers file missing from the package): prices and stock are left as they were.
            log._medcrm_1c_add_warning(self.env._("1C sent no prices nor stock: those of the products are unchanged."))
        importer.sync_variants(variants, prices, stock)
        log.write(
            {
                "count_groups": len(groups),
                "count_variants": sum(len(chars) for chars in variants.values()),
                "count_prices": len(prices),
                "stock_total": sum(v or 0.0 for v in stock.values()),
                "source_info": self._medcrm_1c_source_info(transport),
            }
        )
        if head is not None:
            self.sudo().product_cursor = head

    def _medcrm_1c_source_info(self, transport, spool=None):
        files = getattr(transport, "_files", None)
        if files:
            versions = ", ".join(sorted(v for v in getattr(transport, "versions", ()) if v)) or "?"
            return f"CommerceML {versions}: " + ", ".join(f.name for f in files)[:200]
        return self.products_set if spool is None else f"{self.products_set}: {spool.count} records"

    def _medcrm_1c_archive_confirmed(self, log, guids):
        """An administrator confirmed the archive held by ``log``: archive what is still active and unlisted."""
        self.ensure_one()
        importer = ProductImporter(self, log)
        importer.load_templates(set(guids))
        importer.archive([g for g in guids if g in importer.templates])
        log.sudo().write(
            {
                "state": "done",
                "count_archived": log.count_archived + importer.counts["archived"],
                "pending_archive": False,
                "count_pending": 0,
            }
        )
        log._medcrm_1c_add_warning(
            self.env._(
                "Archive confirmed by %(user)s: %(count)s product(s).",
                user=self.env.user.name,
                count=importer.counts["archived"],
            )
        )
        log.sudo().state = "done"

    def _medcrm_1c_products_incremental(self, transport, importer, log):
        if self.change_feed:
            items, cursor = transport.changes(self.product_cursor, [self.products_set])
            keys = {item["guid"] for item in items if not item["deleted"]}
            gone = {item["guid"] for item in items if item["deleted"]}
            importer.load_templates(keys | gone)  # the mirrors of these items only, not the whole catalogue
        else:
            cursor = None
            versions = transport.product_versions()
            known = {guid: version for guid, (_tid, version, _active) in importer.templates.items()}
            keys = {guid for guid, version in versions.items() if known.get(guid) != version}
            gone = {guid for guid, (_tid, _v, active) in importer.templates.items() if active and guid not in versions}
        groups = transport.product_groups() if keys - set(importer.templates) else None  # a new item, a new group?
        prices, stock = (transport.prices(keys), transport.stock(keys)) if keys else ({}, {})
        with _Spool() as spool:
            for page in transport.iter_products(keys=keys) if keys else ():
                spool.add(page)
            lookups = transport.reference_data() if keys else {}
            self._medcrm_1c_log_warnings(transport, log)
            importer.check_foreign(spool.guids)
            if groups is not None:
                importer.sync_groups(groups)
            importer.prices, importer.stock = importer.template_totals(prices, stock)
            # The changed items are written together (one COPY and one UPDATE per few thousand), not per request.
            for batch in regroup(spool):
                importer.import_page([r for r in batch if r.get("guid") not in importer.foreign], lookups)
        importer.archive(gone - keys - set(importer.foreign))
        if keys:
            importer.apply_prices_stock(prices, stock, keys - set(importer.foreign))
        if cursor is not None:
            self.sudo().product_cursor = cursor

    def _medcrm_1c_feed_head(self, transport):
        """Position of the change feed now, so the incremental runs after a full one start from here."""
        if not self.change_feed or self.transport == "commerceml":
            return None
        try:
            return transport.feed_head()
        except ExchangeError as err:
            if err.code == "http_status" and err.params.get("status") == 404:
                # No HTTP service published: incremental runs will compare data versions instead.
                _logger.info("1C change feed unavailable: %s", err)
                return None
            raise

    def _medcrm_1c_sync_prices_stock(self):
        self.ensure_one()

        def work(transport, log):
            importer = ProductImporter(self, log)
            prices, stock = transport.prices(), transport.stock()
            self._medcrm_1c_log_warnings(transport, log)
            changed = importer.apply_prices_stock(prices, stock)
            importer.apply_variant_prices_stock(prices, stock)
            log.write(
                {
                    "count_read": len(importer.templates),
                    "count_updated": changed,
                    "count_prices": len(prices),
                    "stock_total": sum(v or 0.0 for v in stock.values()),
                }
            )

        return self._medcrm_1c_run("in", "prices", "full", work)

    # --- counterparties ------------------------------------------------------------------------------------------
    def _medcrm_1c_sync_partners(self):
        """Mirror the 1C counterparties with their contact persons (unchanged ones are not written)."""
        self.ensure_one()

        def work(transport, log):
            partner_model = self.env["res.partner"].sudo()
            counts = {"count_read": 0, "count_created": 0, "count_updated": 0, "count_unchanged": 0}
            for page in transport.iter_counterparties():
                for rec in page:
                    counts["count_read"] += 1
                    if rec.get("error"):
                        log._medcrm_1c_add_error(
                            self.env._("Counterparty cannot be read: %s", rec["error"]),
                            rec.get("guid"),
                            rec.get("payload"),
                        )
                        continue
                    try:
                        with self.env.cr.savepoint():
                            _partner, state = partner_model._medcrm_1c_import_counterparty(rec)
                    except Exception as err:  # noqa: BLE001 - one bad counterparty must not stop the others
                        log._medcrm_1c_add_error(self.env._("Counterparty cannot be saved: %s", err), rec["guid"], rec)
                        continue
                    counts[f"count_{state}"] += 1
            log.write(counts)
            self.sudo().last_partner_sync = fields.Datetime.now()

        return self._medcrm_1c_run("in", "partners", "full", work)

    def _medcrm_1c_export_partners(self):
        """Send counterparties made in the CRM (flag 'To export to 1C') to 1C and store the GUID 1C gives back."""
        self.ensure_one()

        def work(transport, log):
            partner_model = self.env["res.partner"].sudo().with_context(no_vat_validation=True)
            partners = partner_model.search(
                [("medcrm_export_to_1c", "=", True), ("medcrm_1c_guid", "=", False), ("parent_id", "=", False)]
            )
            created = 0
            for partner in partners:
                guid, _problem = self._medcrm_1c_export_partner(transport, log, partner)
                if guid:
                    created += 1
                    self._medcrm_1c_commit()
            log.write({"count_read": len(partners), "count_created": created})

        return self._medcrm_1c_run("out", "partners", "incremental", work)

    def _medcrm_1c_export_partner(self, transport, log, partner, log_errors=True):
        """Create one CRM counterparty in 1C and keep the GUID 1C gives: (guid, None) or (None, the reason).

        The reason is also logged (unless ``log_errors`` is False: the caller logs it in its own words).
        1C down or refusing our credentials raises: the whole run fails then.
        """
        note = log._medcrm_1c_add_error if log_errors else (lambda *args, **kwargs: None)
        partner = partner.sudo().with_context(no_vat_validation=True)
        values = partner._medcrm_1c_export_values()
        problem = None
        if not values["inn"]:
            problem = self.env._("%s has no INN: 1C cannot identify the counterparty.", partner.display_name)
            note(problem, payload=values)
            return None, problem
        try:
            guid = transport.create_counterparty(values)
        except ExchangeError as err:
            if err.retryable or err.code in ("not_supported", "auth"):
                raise  # 1C is down or refuses us: the run fails, the flags stay for the next run
            problem = self._medcrm_1c_error_message(err)
            note(problem, payload=values)
            return None, problem
        twin = partner.with_context(active_test=False).search([("medcrm_1c_guid", "=", guid)], limit=1)
        if twin:
            problem = self.env._(
                "1C already has this counterparty (INN %(inn)s), mirrored as %(twin)s: merge %(partner)s into it.",
                inn=values["inn"],
                twin=twin.display_name,
                partner=partner.display_name,
            )
            note(problem, guid, values)
            return None, problem
        partner.write({"medcrm_1c_guid": guid, "medcrm_export_to_1c": False})
        return guid, None


class _Spool:
    """Pages of records read from 1C, kept in a temporary file until the whole exchange has been read."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self.pages = 0
        self.count = 0
        self.guids = set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def add(self, page):
        pickle.dump(page, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.pages += 1
        self.count += len(page)
        self.guids.update(rec["guid"] for rec in page if rec.get("guid") and not rec.get("error"))

    def __iter__(self):
        self.file.seek(0)
        for _page in range(self.pages):
            yield pickle.load(self.file)  # noqa: S301 - our own file, written above in this run
