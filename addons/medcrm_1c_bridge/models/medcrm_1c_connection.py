import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..exchange import ExchangeError, make_transport
from .medcrm_1c_field_mapping import PRESETS
from .product_import import ProductImporter, regroup

_logger = logging.getLogger(__name__)


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
    units_set = fields.Char(string="Units catalog", default="Catalog_ЕдиницыИзмерения", required=True)
    makers_set = fields.Char(string="Manufacturers catalog", default="Catalog_Производители", required=True)
    props_set = fields.Char(
        string="Additional attributes", default="ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения"
    )
    prop_values_set = fields.Char(string="Attribute values", default="Catalog_ЗначенияСвойствОбъектов")
    partners_set = fields.Char(string="Counterparties catalog", default="Catalog_Контрагенты", required=True)
    contacts_set = fields.Char(string="Contact persons catalog", default="Catalog_КонтактныеЛица")
    prices_set = fields.Char(string="Prices register", default="InformationRegister_ЦеныНоменклатуры")
    price_type = fields.Char(default="Оптовая", help="Name of the 1C price type (Вид цены) giving the sales price.")
    stock_set = fields.Char(string="Stock register", default="AccumulationRegister_ТоварыНаСкладах")
    stock_resource = fields.Char(default="ВНаличии")
    orders_set = fields.Char(string="Customer orders document", default="Document_ЗаказКлиента")
    mapping_ids = fields.One2many("medcrm.1c.field.mapping", "connection_id", string="Field mapping", copy=True)

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

    def _compute_log_count(self):
        logs = dict(
            self.env["medcrm.1c.sync.log"]._read_group(
                [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]
            )
        )
        products = (
            self.env["product.template"].with_context(active_test=False).search_count([("medcrm_1c_guid", "!=", False)])
        )
        for connection in self:
            connection.log_count = logs.get(connection, 0)
            connection.product_count = products

    @api.model_create_multi
    def create(self, vals_list):
        connections = super().create(vals_list)
        for connection, vals in zip(connections, vals_list, strict=True):
            if not vals.get("mapping_ids"):
                connection._medcrm_1c_apply_preset()
        return connections

    @api.constrains("timeout", "retries", "page_size", "max_mb")
    def _check_limits(self):
        for connection in self:
            if connection.timeout <= 0 or connection.retries < 0 or connection.page_size <= 0 or connection.max_mb <= 0:
                raise UserError(self.env._("Timeout, page size and size limit must be positive, retries not negative."))

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
                count = len(transport.values(self.products_set, **{"$top": "1", "$select": "Ref_Key"}))
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
            "stock_set": connection.stock_set,
            "stock_resource": connection.stock_resource,
            "orders_set": connection.orders_set,
            "order_state_set": connection.order_state_set,
            "mapping": mapping,
        }

    def _medcrm_1c_transport(self):
        return make_transport(self._medcrm_1c_settings())

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
            log._medcrm_1c_finish(started, message, transport.http.attempts)
        return log

    # --- products ----------------------------------------------------------------------------------------------
    def _medcrm_1c_sync_products(self, full=False):
        """Mirror the 1C catalogue: everything (``full``) or what changed since the last exchange."""
        self.ensure_one()
        incremental = not full and self.last_product_sync and self.transport != "commerceml"
        mode = "incremental" if incremental else "full"

        def work(transport, log):
            importer = ProductImporter(self, log)
            if incremental:
                self._medcrm_1c_products_incremental(transport, importer)
            else:
                self._medcrm_1c_products_full(transport, importer)
            counts = importer.counts
            log.write({f"count_{key}": value for key, value in counts.items()})
            self.sudo().last_product_sync = fields.Datetime.now()

        return self._medcrm_1c_run("in", "products", mode, work)

    def _medcrm_1c_products_full(self, transport, importer):
        head = self._medcrm_1c_feed_head(transport)
        importer.sync_groups(transport.product_groups())
        if self.transport != "commerceml":  # CommerceML: offers.xml is read after import.xml
            importer.prices, importer.stock = transport.prices(), transport.stock()
        for page in transport.iter_products():
            importer.import_page(page, transport.reference_data())
            self._medcrm_1c_commit()
        if not getattr(transport, "changes_only", False):
            importer.archive_unseen()
        importer.apply_prices_stock(importer.prices or transport.prices(), importer.stock or transport.stock())
        if head is not None:
            self.sudo().product_cursor = head

    def _medcrm_1c_products_incremental(self, transport, importer):
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
        if keys - set(importer.templates):
            importer.sync_groups(transport.product_groups())  # a new item may sit in a new group
        if keys:
            importer.prices, importer.stock = transport.prices(keys), transport.stock(keys)
        # The changed items are written together (one COPY and one UPDATE per few thousand), not per request.
        for batch in regroup(transport.iter_products(keys=keys)) if keys else ():
            importer.import_page(batch, transport.reference_data())
        importer.archive(gone - keys)
        if keys:
            importer.apply_prices_stock(importer.prices, importer.stock, keys)
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
            changed = importer.apply_prices_stock(transport.prices(), transport.stock())
            log.write({"count_read": len(importer.templates), "count_updated": changed})

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
