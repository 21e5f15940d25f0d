import datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare

ACCOUNTING_EVENTS = {"paid": "medcrm_paid_date", "shipped": "medcrm_shipped_date"}


class SaleOrder(models.Model):
    """The client's order drives its deal: КП sent, confirmed, paid, ready, shipped."""

    _inherit = "sale.order"

    # Facts of the accounting system (1C) or of Odoo's own documents.
    medcrm_paid_date = fields.Datetime(
        string="Paid on",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="When the order was paid in full: its invoices paid in Odoo, or the payment reported by 1C.",
    )
    medcrm_shipped_date = fields.Datetime(
        string="Shipped on",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="When all goods of the order were delivered: deliveries done in Odoo, or the shipment reported by 1C.",
    )
    medcrm_documents_sent_date = fields.Datetime(
        string="Document package sent on",
        readonly=True,
        copy=False,
        help="When the invoice and the contract were e-mailed to the client.",
    )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def write(self, vals):
        if not self.env.su and ACCOUNTING_EVENTS.values() & vals.keys():
            # the dates of the facts written directly (RPC): same author and order rules as the method
            self._medcrm_check_accounting_author()
            self._medcrm_check_vals(vals)  # real dates first (the input guard)
            for event, field in ACCOUNTING_EVENTS.items():
                if vals.get(field):
                    self._medcrm_check_fact_dates(event, fields.Datetime.to_datetime(vals[field]))
        result = super().write(vals)
        if vals.get("state") in ("sent", "sale"):
            # КП sent (also «mark as sent» and the composer), order confirmed: the deal follows
            self._medcrm_sync_deal_stage()
        return result

    def _action_confirm(self):
        self.order_line._medcrm_apply_procurement_route()
        return super()._action_confirm()

    def message_post(self, **kwargs):
        if self.env.context.get("medcrm_mark_documents_sent"):
            self.filtered(lambda order: not order.medcrm_documents_sent_date).write(
                {"medcrm_documents_sent_date": fields.Datetime.now()}
            )
            self._medcrm_sync_deal_stage()
        return super().message_post(**kwargs)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_medcrm_send_documents(self):
        """«Send documents»: the invoice (issued now if needed) and the contract, as PDF, in one e-mail."""
        self.ensure_one()
        if self.state != "sale":
            raise UserError(
                self.env._(
                    "Confirm the order %(order)s first: the document package (invoice and contract) is sent "
                    "once the client has accepted the offer.",
                    order=self.name,
                )
            )
        invoices = self._medcrm_package_invoices()
        attachments = self._medcrm_render_package(invoices)
        template = self.env.ref("medcrm_leads.mail_template_document_package")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send the document package"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "sale.order",
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_attachment_ids": attachments.ids,
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "medcrm_mark_documents_sent": True,
                "force_email": True,
            },
        }

    def medcrm_register_accounting_event(self, event, date=None, note=None):
        """Record a fact of the accounting system (1C) on confirmed orders and move their deals.

        For integrators (XML-RPC / JSON-RPC), e.g. the 1C bridge::

            models.execute_kw(db, uid, key, "sale.order", "medcrm_register_accounting_event",
                              [[order_id], "paid"], {"date": "2026-03-02 10:15:00", "note": "п/п № 512"})

        :param str event: ``"paid"``: the order is paid in full (100 % prepayment) — the deal goes to
            «Обеспечение»: purchase orders are made for the goods of other manufacturers, own goods are
            reserved; ``"shipped"``: all goods of the order are delivered to the buyer — the deal goes to
            «Отгрузка товара». Exactly what an invoice paid or deliveries done in Odoo do.
        :param date: when it happened (UTC), ``"YYYY-MM-DD HH:MM:SS"`` or ``"YYYY-MM-DD"``; default now
        :param str note: free text for the order's chatter (payment order number, shipping document...)
        :return: True. Idempotent: a fact already recorded keeps its first date.
        :raise UserError: unknown event, or an order that is not confirmed
        :raise AccessError: the caller is neither the 1C exchange (superuser, or the group «Records accounting
            facts») nor an accountant (Odoo's billing group implies it); facts are logged with their author
        :raise ValidationError: a shipping date earlier than the payment date
        """
        self._medcrm_check_accounting_author()
        if event not in ACCOUNTING_EVENTS:
            raise UserError(
                self.env._("Unknown accounting event «%(event)s»: expected «paid» or «shipped».", event=event)
            )
        not_confirmed = self.filtered(lambda order: order.state != "sale")
        if not_confirmed:
            raise UserError(
                self.env._(
                    "Only confirmed orders can be paid or shipped; not confirmed: %(orders)s.",
                    orders=", ".join(not_confirmed.mapped("name")),
                )
            )
        self.check_access("write")
        when = self._medcrm_parse_event_date(date)
        field = ACCOUNTING_EVENTS[event]
        todo = self.filtered(lambda order: not order[field])
        if not todo:
            return True
        todo._medcrm_check_fact_dates(event, when)
        author = self.env.user
        for order in todo:
            order.sudo()._message_log(
                body=self.env._(
                    "Accounting system: %(event)s on %(date)s, recorded by %(author)s. %(note)s",
                    event=self.env._("paid") if event == "paid" else self.env._("shipped"),
                    date=fields.Datetime.to_string(when),
                    author=author.name,
                    note=note or "",
                ),
                author_id=author.partner_id.id,
            )
        # checked above as the caller (author, write access, dates): the deal follows whoever its manager is
        todo.sudo()._medcrm_record_fact(event, when)
        return True

    def _medcrm_check_accounting_author(self):
        """Only 1C (the bridge works as superuser, an integration user has the group) and accountants."""
        if self.env.su or self.env.user.has_group("medcrm_leads.group_medcrm_accounting_facts"):
            return
        raise AccessError(
            self.env._(
                "Only the 1C exchange and accountants record that an order is paid or shipped: these facts come "
                "from the accounting system, not from the sales department."
            )
        )

    def _medcrm_check_fact_dates(self, event, when):
        """A shipment is never dated before the payment (100 % prepayment), compared day by day in Moscow time."""
        for order in self:
            paid = when if event == "paid" else order.medcrm_paid_date
            shipped = when if event == "shipped" else order.medcrm_shipped_date
            if paid and shipped and self._medcrm_local_day(shipped) < self._medcrm_local_day(paid):
                raise ValidationError(
                    self.env._(
                        "The order %(order)s cannot be shipped on %(shipped)s before it is paid (%(paid)s).",
                        order=order.name,
                        shipped=fields.Date.to_string(self._medcrm_local_day(shipped)),
                        paid=fields.Date.to_string(self._medcrm_local_day(paid)),
                    )
                )

    @api.model
    def _medcrm_local_day(self, when):
        tz = self.env.company.partner_id.tz or "Europe/Moscow"
        return fields.Datetime.context_timestamp(self.with_context(tz=tz), when).date()

    def _medcrm_record_fact(self, event, when):
        """The one path of a payment or shipment fact, from 1C or from Odoo's documents: its date on the
        orders, provisioning once paid, and the deals' stage."""
        self.sudo().write({ACCOUNTING_EVENTS[event]: when})
        if event == "paid":
            self.sudo()._medcrm_after_paid()
        self._medcrm_sync_deal_stage()

    # ------------------------------------------------------------
    # FACTS FROM ODOO'S DOCUMENTS
    # ------------------------------------------------------------

    @api.model
    def _medcrm_parse_event_date(self, date):
        if not date:
            return fields.Datetime.now()
        if isinstance(date, datetime.datetime):
            return date.replace(tzinfo=None)
        if isinstance(date, datetime.date):
            return datetime.datetime.combine(date, datetime.time())
        try:
            if len(date) == 10:
                return datetime.datetime.combine(fields.Date.to_date(date), datetime.time())
            return fields.Datetime.to_datetime(date)
        except ValueError as error:
            raise UserError(
                self.env._("Wrong date «%(date)s»: expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.", date=date)
            ) from error

    def _medcrm_update_paid_from_invoices(self):
        """Orders whose posted invoices are paid and cover the whole order become paid (100 % prepayment)."""
        paid = self.browse()
        for order in self.filtered(lambda order: order.state == "sale" and not order.medcrm_paid_date):
            invoices = order.invoice_ids.filtered(lambda move: move.state == "posted")
            customer_invoices = invoices.filtered(lambda move: move.move_type == "out_invoice")
            if not customer_invoices or any(
                move.payment_state not in ("paid", "in_payment", "reversed") for move in customer_invoices
            ):
                continue
            covered = sum(customer_invoices.mapped("amount_total")) - sum(
                invoices.filtered(lambda move: move.move_type == "out_refund").mapped("amount_total")
            )
            if float_compare(covered, order.amount_total, precision_rounding=order.currency_id.rounding) >= 0:
                paid |= order
        if paid:
            paid._medcrm_record_fact("paid", fields.Datetime.now())
        return paid

    def _medcrm_update_shipped_from_deliveries(self):
        """Orders whose goods are all delivered get their shipping date; their deals follow."""
        shipped = self.filtered(
            lambda order: order.state == "sale" and not order.medcrm_shipped_date and order._medcrm_goods_delivered()
        )
        if shipped:
            shipped.sudo().write({"medcrm_shipped_date": fields.Datetime.now()})
        self._medcrm_sync_deal_stage()
        return shipped

    def _medcrm_goods_lines(self):
        return self.order_line.filtered(
            lambda line: not line.display_type and line.product_id.type == "consu" and line.product_uom_qty > 0
        )

    def _medcrm_goods_ready(self):
        """Every good of the order is reserved or delivered: its deliveries are ready or done."""
        self.ensure_one()
        if self.medcrm_shipped_date:
            return True
        for line in self._medcrm_goods_lines():
            moves = line.move_ids.filtered(
                lambda move: move.state != "cancel" and move.location_dest_id.usage == "customer"
            )
            if not moves or any(move.state not in ("assigned", "done") for move in moves):
                return False
        return True

    def _medcrm_goods_delivered(self):
        """Every good of the order is at the buyer's (Odoo's deliveries, or the shipment reported by 1C)."""
        self.ensure_one()
        if self.medcrm_shipped_date:
            return True
        return all(
            float_compare(line.qty_delivered, line.product_uom_qty, precision_rounding=line.product_uom.rounding) >= 0
            for line in self._medcrm_goods_lines()
        )

    def _medcrm_sync_deal_stage(self):
        deals = self.opportunity_id
        if deals:
            deals._medcrm_advance_stage()

    # ------------------------------------------------------------
    # PROVISIONING (step 16)
    # ------------------------------------------------------------

    def _medcrm_after_paid(self):
        """Paid in full: buy the goods of other manufacturers from their suppliers (make-to-order + buy), and
        reserve our own goods in stock. A missing vendor never undoes the payment: the deal's manager gets an
        activity saying what to fix, then «Order from suppliers» runs it again."""
        for order in self:
            order.action_medcrm_procure()

    def action_medcrm_procure(self):
        """Launch the procurement of the paid order: purchase orders for third-party goods, reservations."""
        for order in self:
            lines = order.order_line.filtered(lambda line: line.product_id.type == "consu")
            problems = lines._medcrm_ensure_vendors()
            try:
                with self.env.cr.savepoint():
                    (lines - problems)._action_launch_stock_rule()
            except UserError as error:
                problems = problems or lines
                order._medcrm_procurement_problem(problems, str(error))
            else:
                if problems:
                    order._medcrm_procurement_problem(problems)
            pickings = order.picking_ids.filtered(lambda picking: picking.state in ("confirmed", "waiting"))
            if pickings:
                pickings.action_assign()
        return True

    def _medcrm_procurement_problem(self, lines, error=None):
        self.ensure_one()
        deal = self.opportunity_id
        record = deal or self
        message = error or self.env._(
            "No supplier is known for: %(products)s. Set the supplier of their manufacturer (CRM > Configuration "
            "> Manufacturers) or on the product, then press «Order from suppliers» on the order %(order)s.",
            products=", ".join(lines.product_id.mapped("display_name")),
            order=self.name,
        )
        record.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=(deal.user_id or self.user_id or self.env.user).id,
            summary=self.env._("Purchase orders not created"),
            note=message,
        )

    # ------------------------------------------------------------
    # DOCUMENT PACKAGE (step 13)
    # ------------------------------------------------------------

    def _medcrm_package_invoices(self):
        """Posted customer invoices of the order; the invoice for 100 % prepayment is issued if there is none.

        sudo: the manager issues the invoice of his own confirmed order (amounts come from the order only),
        without the accounting rights Odoo asks for free-form invoices.
        """
        self.ensure_one()
        invoices = self.invoice_ids.filtered(lambda move: move.move_type == "out_invoice" and move.state != "cancel")
        if not invoices:
            invoices = self.sudo()._create_invoices()
        drafts = invoices.filtered(lambda move: move.state == "draft")
        if drafts:
            drafts.sudo().action_post()
        return invoices

    def _medcrm_render_package(self, invoices):
        """The invoice(s) and the contract as PDF attachments of the order."""
        self.ensure_one()
        Report = self.env["ir.actions.report"].sudo()
        documents = [
            ("account.account_invoices", invoice, invoice._get_invoice_report_filename()) for invoice in invoices
        ]
        documents.append(
            (
                "medcrm_leads.action_report_sale_contract",
                self,
                self.env._("Contract %(order)s.pdf", order=self.name.replace("/", "_")),
            )
        )
        attachments = self.env["ir.attachment"]
        for report, record, filename in documents:
            content, _kind = Report._render_qweb_pdf(report, record.ids)
            attachments |= self.env["ir.attachment"].create(
                {
                    "name": filename,
                    "raw": content,
                    "res_model": "mail.compose.message",
                    "res_id": 0,
                    "mimetype": "application/pdf",
                }
            )
        return attachments
