"""Every door of every MedCRM model, tried by manager B on manager A's records.

Nothing here lists the models, reports or wizards: they are discovered from the registry (every model a
MedCRM addon defines or extends), so a new model or wizard is covered without editing this file.

The oracle: B's ordinary search tells which records B may see. Every other door (read, search_count,
read_group, export_data, web_read, web_search_read, name_search, reports, attachments, messages, wizards
taking ids) must agree with it; and A's own records (his deal, need and order, and whatever points to them)
must be among the hidden ones.
"""

import base64
import logging

from odoo import Command
from odoo.addons.base.models.ir_qweb import QWebException
from odoo.addons.medcrm_needs.models.medcrm_input_guard import is_medcrm_class
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import PipelineCase

_logger = logging.getLogger(__name__)

ROOT_MODELS = ("crm.lead", "medcrm.need", "sale.order")
OWNER_FIELDS = ("lead_id", "need_id", "deal_id", "order_id")
SAMPLE = 5  # hidden records tried per model and door (A's own first)
# Models shared by design: every manager may read them (catalogue, counterparties, settings of the company).
SHARED = {"res.partner", "product.template", "product.product", "product.category", "uom.uom", "utm.campaign"}


def medcrm_models(env, transient=False):
    """Names of the models a MedCRM addon defines or extends (by the classes of the registry)."""
    names = []
    for name in sorted(env.registry):
        model = env[name]
        if model._abstract or bool(model._transient) != transient:
            continue
        if any(is_medcrm_class(cls) for cls in type(model).__mro__[1:]):
            names.append(name)
    return names


@tagged("post_install", "-at_install")
class TestDoorsAccess(PipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a, cls.user_b = cls.user_manager, cls.user_manager_2
        cls.user_b.groups_id |= cls.env.ref("base.group_allow_export")  # the export door is open to B: tried
        cls.deal_a, cls.order_a = cls._need_and_deal(user=cls.user_a)
        cls.deal_b, cls.order_b = cls._need_and_deal(user=cls.user_b)
        cls.roots_a = {
            "crm.lead": cls.deal_a.sudo(),
            "medcrm.need": cls.deal_a.sudo().medcrm_need_id,
            "sale.order": cls.order_a.sudo(),
        }
        cls.attachments_a = cls.env["ir.attachment"]
        for records in cls.roots_a.values():
            for record in records:
                record.with_user(cls.user_a).message_post(body="Секретная заметка менеджера А")
                cls.attachments_a |= cls.env["ir.attachment"].create(
                    {
                        "name": "скан А.pdf",
                        "datas": base64.b64encode(b"%PDF-1.4 secret"),
                        "res_model": record._name,
                        "res_id": record.id,
                    }
                )
        # a file A uploaded and has not attached to anything yet
        cls.loose_attachment_a = (
            cls.env["ir.attachment"].with_user(cls.user_a).create({"name": "черновик.pdf", "raw": b"%PDF draft"})
        )

    # ------------------------------------------------------------
    # DISCOVERY
    # ------------------------------------------------------------

    def test_discovery_finds_the_medcrm_models(self):
        models = medcrm_models(self.env)
        wizards = medcrm_models(self.env, transient=True)
        for name in ("crm.lead", "medcrm.need", "medcrm.need.line", "sale.order", "medcrm.lead.stage.history"):
            self.assertIn(name, models)
        for name in ("medcrm.buyer.documents.wizard", "crm.lead.lost", "medcrm.need.close.wizard"):
            self.assertIn(name, wizards)

    def _owned_by_a(self, model):
        """A's records of ``model``: his roots, and what points to them (many2one, or res_model/res_id)."""
        Model = self.env[model].sudo().with_context(active_test=False)
        if model in SHARED:
            return Model.browse()
        domains = []
        if model in self.roots_a:
            domains.append([("id", "in", self.roots_a[model].ids)])
        for name, field in Model._fields.items():
            if field.type != "many2one" or field.comodel_name not in self.roots_a or not field.store:
                continue
            # "belongs to": a required parent, or the record a report row is about
            if field.required or (not Model._auto and name in OWNER_FIELDS):
                domains.append([(name, "in", self.roots_a[field.comodel_name].ids)])
        if {"res_model", "res_id"} <= Model._fields.keys() and Model._fields["res_id"].store:
            for root_model, records in self.roots_a.items():
                domains.append([("res_model", "=", root_model), ("res_id", "in", records.ids)])
        owned = Model.browse()
        for domain in domains:
            owned |= Model.search(domain)
        return owned

    def _hidden_from_b(self, model):
        """(records B may not see, A's records among them) — A's first, a small sample of the others."""
        Model = self.env[model].sudo().with_context(active_test=False)
        owned = self._owned_by_a(model)
        as_b = self.env[model].with_user(self.user_b).with_context(active_test=False)
        if not as_b.has_access("read"):
            return Model.search([], limit=SAMPLE) | owned, owned
        everything = Model.search([], order="id desc", limit=200) | owned
        visible = as_b.search([("id", "in", everything.ids)])
        hidden = everything - Model.browse(visible.ids)
        return (owned & hidden) | (hidden - owned)[:SAMPLE], owned

    # ------------------------------------------------------------
    # READ DOORS
    # ------------------------------------------------------------

    def test_every_model_keeps_as_records_from_b_through_every_door(self):
        checked = 0
        models = medcrm_models(self.env)
        for model in models:
            hidden, owned = self._hidden_from_b(model)
            with self.subTest(model=model):
                self.assertLessEqual(owned, hidden, f"{model}: B sees records of A through the front door")
                if hidden:
                    self._assert_doors_closed(model, hidden)
                    checked += 1
        _logger.info("doors: %s MedCRM models, %s with records hidden from manager B tried", len(models), checked)
        self.assertGreaterEqual(checked, 6, "too few models with records hidden from B: the test proves nothing")

    def _assert_refused(self, what, function, *args, **kwargs):
        """``function`` raises AccessError (a report: its QWeb error caused by one); rolled back."""
        try:
            with self.env.cr.savepoint():
                function(*args, **kwargs)
        except AccessError:
            return
        except QWebException as error:
            if isinstance(error.__cause__, AccessError):
                return
            raise
        self.fail(f"{what}: not refused")

    def _assert_doors_closed(self, model, hidden):
        as_b = self.env[model].with_user(self.user_b).with_context(active_test=False)
        domain = [("id", "in", hidden.ids)]
        readable = as_b.has_access("read")
        for record in hidden:
            with self.assertRaises(AccessError, msg=f"{model}.read({record.id})"):
                as_b.browse(record.id).read(["display_name"])
            with self.assertRaises(AccessError, msg=f"{model}.web_read({record.id})"):
                as_b.browse(record.id).web_read({"display_name": {}})
            with self.assertRaises(AccessError, msg=f"{model}.export_data({record.id})"):
                as_b.browse(record.id).export_data(["id", "display_name"])
        if not readable:
            with self.assertRaises(AccessError):
                as_b.search_count(domain)
            return
        self.assertEqual(as_b.search_count(domain), 0, f"{model}: search_count counts A's records")
        groups = as_b.read_group(domain, ["__count"], [])
        self.assertEqual(sum(group["__count"] for group in groups), 0, f"{model}: read_group counts A's records")
        self.assertFalse(as_b.web_search_read(domain, {"display_name": {}})["records"], f"{model}: web_search_read")
        for record in hidden[:2]:
            name = (record.sudo().display_name or "")[:30]
            if name:
                found = {row[0] for row in as_b.name_search(name, limit=50)}
                self.assertFalse(found & set(hidden.ids), f"{model}: name_search finds A's «{name}»")

    def test_attachments_and_messages_of_a_stay_hidden(self):
        Attachment = self.env["ir.attachment"].with_user(self.user_b)
        for attachment in self.attachments_a | self.loose_attachment_a:
            with self.assertRaises(AccessError):
                Attachment.browse(attachment.id).read(["name", "datas"])
        self.assertFalse(Attachment.search([("id", "in", (self.attachments_a | self.loose_attachment_a).ids)]))
        Message = self.env["mail.message"].with_user(self.user_b)
        for model, records in self.roots_a.items():
            messages = self.env["mail.message"].search([("model", "=", model), ("res_id", "in", records.ids)])
            # by design B reads a message addressed to him (the duplicate warning naming A's need), no other
            messages = messages.filtered(lambda message: self.user_b.partner_id not in message.notified_partner_ids)
            self.assertTrue(messages, f"{model}: A's record has no message to protect")
            self.assertFalse(Message.search([("id", "in", messages.ids)]), f"{model}: B finds A's messages")
            with self.assertRaises(AccessError):
                Message.browse(messages[:1].id).read(["body"])
            with self.assertRaises(AccessError, msg=f"{model}: B posts on A's record"):
                records[:1].with_user(self.user_b).message_post(body="чужая заметка")

    def test_reports_of_a_records_refuse_b(self):
        models = set(medcrm_models(self.env))
        # MedCRM's own reports, and every report printed from a deal, a need or an order (Odoo's too)
        reports = self.env["ir.actions.report"].search([("model", "in", list(models))])
        medcrm_reports = reports.filtered(lambda report: report.get_external_id()[report.id].startswith("medcrm"))
        reports = medcrm_reports | reports.filtered(lambda report: report.model in ROOT_MODELS)
        self.assertTrue(medcrm_reports, "no MedCRM report discovered")
        Report = self.env["ir.actions.report"].with_user(self.user_b)
        tried = 0
        for report in reports:
            hidden, owned = self._hidden_from_b(report.model)
            target = owned or hidden
            if not target:
                continue
            tried += 1
            for render in (Report._render_qweb_html, Report._render_qweb_pdf):
                with self.subTest(report=report.report_name, render=render.__name__):
                    self._assert_refused(f"{report.report_name} as B", render, report.report_name, target[:1].ids)
        self.assertGreaterEqual(tried, len(medcrm_reports.filtered(lambda r: r.model in ROOT_MODELS)))

    # ------------------------------------------------------------
    # WIZARDS TAKING IDS
    # ------------------------------------------------------------

    def test_wizards_refuse_records_b_may_not_read(self):
        """Each relational field of each wizard, given A's record (in the values, or as the context's
        default/active ids), is refused at once, and A's records are left untouched."""
        targets = dict(self.roots_a, **{"ir.attachment": self.attachments_a[:1]})
        targets["res.partner"] = self.env["res.partner"]  # shared: nothing to refuse
        tried = 0
        stamp = {model: records.mapped("write_date") for model, records in self.roots_a.items()}
        for wizard in medcrm_models(self.env, transient=True):
            Wizard = self.env[wizard].with_user(self.user_b)
            for name, field in Wizard._fields.items():
                if field.type not in ("many2one", "many2many") or not field.store:
                    continue
                records = targets.get(field.comodel_name) or self._owned_by_a(field.comodel_name)
                if not records:
                    continue
                value = records[0].id if field.type == "many2one" else [Command.set(records[:1].ids)]
                tried += 1
                with self.subTest(wizard=wizard, field=name):
                    with self.assertRaises(UserError, msg=f"{wizard}.{name} in the values"):  # AccessError...
                        Wizard.create({name: value})
                    context = {
                        f"default_{name}": value,
                        "active_model": field.comodel_name,
                        "active_id": records[0].id,
                        "active_ids": records[:1].ids,
                    }
                    with self.assertRaises(UserError, msg=f"{wizard}.{name} by the context"):
                        Wizard.with_context(**context).create({})
        self.assertGreaterEqual(tried, 4, "too few wizard fields tried")
        self.env.invalidate_all()
        for model, records in self.roots_a.items():
            self.assertEqual(records.mapped("write_date"), stamp[model], f"{model}: a wizard changed A's record")

    def test_buyer_documents_cannot_take_someone_elses_file(self):
        """The wizard moved any attachment onto the caller's deal with sudo(): ids are sequential."""
        scan_b = self.env["ir.attachment"].with_user(self.user_b).create({"name": "мой скан.pdf", "raw": b"%PDF"})
        for stolen in (self.loose_attachment_a, self.attachments_a.filtered(lambda a: a.res_model == "sale.order")):
            with self.assertRaises(AccessError):
                self.deal_b.with_user(self.user_b)._medcrm_record_buyer_documents(stolen)
            self.assertNotEqual(stolen.res_id, self.deal_b.id)
        # his own scan of another of his records is not taken from it either
        own_order_file = self.env["ir.attachment"].create(
            {"name": "КП.pdf", "raw": b"%PDF", "res_model": "sale.order", "res_id": self.order_b.id}
        )
        with self.assertRaisesMessage(UserError, "другой записи"):
            self.deal_b.with_user(self.user_b)._medcrm_record_buyer_documents(own_order_file)
        # and his fresh upload goes through the wizard
        wizard = (
            self.env["medcrm.buyer.documents.wizard"]
            .with_user(self.user_b)
            .create({"lead_id": self.deal_b.id, "attachment_ids": [Command.set(scan_b.ids)]})
        )
        self.assertTrue(wizard.action_record())
        self.assertEqual((scan_b.res_model, scan_b.res_id), ("crm.lead", self.deal_b.id))


@tagged("post_install", "-at_install")
class TestDoorsAccessHttp(HttpCase, PipelineCase):
    """The same files and prints through the web client's URLs, with B's session."""

    def test_urls_of_a_files_and_prints_refuse_b(self):
        _deal, order = self._need_and_deal(user=self.user_manager)
        secret = b"%PDF-1.4 secret of A"
        attachment = self.env["ir.attachment"].create(
            {"name": "скан А.pdf", "raw": secret, "res_model": "sale.order", "res_id": order.id}
        )
        self.authenticate(self.user_manager_2.login, self.user_manager_2.login)
        urls = [
            f"/web/content/{attachment.id}",
            f"/web/content/{attachment.id}?download=true",
            f"/report/html/medcrm_leads.report_sale_contract/{order.id}",
            f"/report/html/sale.report_saleorder/{order.id}",
        ]
        for url in urls:
            with self.subTest(url=url):
                response = self.url_open(url, timeout=60)
                self.assertNotEqual(response.status_code, 200, url)
                self.assertNotIn(secret, response.content)
                self.assertNotIn(order.name.encode(), response.content)
        # an image URL answers Odoo's placeholder picture (200) when access is refused: never the file
        self.assertNotIn(secret, self.url_open(f"/web/image/{attachment.id}", timeout=60).content)
        # the same URLs answer A: the test would see a leak
        self.authenticate(self.user_manager.login, self.user_manager.login)
        self.assertEqual(self.url_open(f"/web/content/{attachment.id}").content, secret)
        self.assertEqual(self.url_open(f"/report/html/medcrm_leads.report_sale_contract/{order.id}").status_code, 200)
