from datetime import date, datetime, timedelta

from odoo import Command
from odoo.addons.medcrm_needs.tests.common import MedcrmCase
from odoo.tools import SQL

MONTH = date(2026, 3, 1)
IN_MONTH = datetime(2026, 3, 10, 9, 0, 0)


class MedcrmReportsCase(MedcrmCase):
    """A small sales department with known facts, dated in March 2026 (``MONTH``) by SQL, so that every
    figure of the reports can be asserted exactly."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.notification_type = "email"
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.team = cls.env["crm.team"].create(
            {"name": "Отдел продаж (отчёты)", "user_id": cls.user_head.id, "use_leads": True, "sequence": -1}
        )
        cls.env["crm.team.member"].create(
            [{"crm_team_id": cls.team.id, "user_id": user.id} for user in (cls.user_manager, cls.user_manager_2)]
        )
        cls.source_exhibition = cls.env.ref("medcrm_leads.utm_source_exhibition")
        cls.source_email = cls.env.ref("medcrm_leads.utm_source_email")
        cls.partner_a, cls.partner_b, cls.partner_c = cls.env["res.partner"].create(
            [
                {"name": "ГБУЗ «Отчётная больница № 1»", "is_company": True},
                {"name": "ООО «Отчётная клиника»", "is_company": True},
                {"name": "ООО «Отчётный дилер»", "is_company": True},
            ]
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Шприц 10 мл (отчёты)", "type": "consu", "sale_ok": True, "list_price": 10.0}
        )
        cls.reason_price = cls.env["crm.lost.reason"].create({"name": "Дорого (отчёты)"})
        cls.stages = {
            code: cls.env.ref(f"medcrm_leads.stage_{code}") for code in ("need", "offer", "negotiation", "closed")
        }

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    @classmethod
    def _set_sql(cls, records, **values):
        """Write ``values`` straight into the table of ``records`` (dates of the past the ORM would not set)."""
        records.flush_recordset()
        assignments = SQL(", ").join(SQL("%s = %s", SQL.identifier(name), value) for name, value in values.items())
        cls.env.cr.execute(
            SQL("UPDATE %s SET %s WHERE id IN %s", SQL.identifier(records._table), assignments, tuple(records.ids))
        )
        records.invalidate_model()

    @classmethod
    def _lead(cls, user, name="Интерес", type_="lead", source=None, **values):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "type": type_,
                "user_id": user.id if user else False,
                "team_id": cls.team.id,
                "source_id": (source or cls.source_exhibition).id,
                "partner_id": cls.partner_a.id,
                **values,
            }
        )

    @classmethod
    def _order(cls, deal, amount, confirm=True, pricelist=None, partner=None, date_order=IN_MONTH):
        """An order of ``deal`` worth ``amount`` untaxed (one line, no tax), confirmed, dated ``date_order``."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or deal.partner_id).id,
                "opportunity_id": deal.id if deal else False,
                "user_id": deal.user_id.id,
                "date_order": date_order,
                "pricelist_id": pricelist.id if pricelist else False,
                "order_line": [
                    Command.create(
                        {"product_id": cls.product.id, "product_uom_qty": 1, "price_unit": amount, "tax_id": False}
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
            cls._set_sql(order, date_order=date_order)
        return order

    @classmethod
    def _win(cls, deal, created, closed):
        """Close ``deal`` as won (the pipeline's closed stage) and date its life: created → closed."""
        deal.with_context(medcrm_stage_force=True).write({"stage_id": cls.stages["closed"].id})
        cls._set_sql(deal, create_date=created, date_closed=closed)

    @classmethod
    def _lose(cls, lead, closed, reason=None):
        lead.action_set_lost(lost_reason_id=(reason or cls.reason_price).id, medcrm_lost_comment="Дорого")
        cls._set_sql(lead, date_closed=closed)

    def _totals(self, model, domain=(), user=None, groupby=(), fields=()):
        """read_group of a report as ``user`` (default the head): {group key: {measure: value}}."""
        self.env["medcrm.report.mixin"]._medcrm_refresh_all()
        Report = self.env[model].with_user(user or self.user_head)
        specs = list(fields)
        rows = Report.read_group(list(domain), specs, list(groupby), lazy=False)
        key = (
            (lambda row: row[groupby[0]][0] if isinstance(row[groupby[0]], tuple) else row[groupby[0]])
            if groupby
            else (lambda row: None)
        )
        return {key(row): row for row in rows}

    def _day(self, offset_days=0, hours=0):
        return IN_MONTH + timedelta(days=offset_days, hours=hours)


class MedcrmDepartmentCase(MedcrmReportsCase):
    """The month of two managers (March 2026).

    Manager 1: won d1 (1,000; a cancelled order of 5,000 beside it; cycle 10 days) and d2 (200 EUR at 2 EUR
    per company unit = 100; cycle 20 days), lost d3, keeps d5 open (500 expected, an activity overdue since
    5 March); he made d4, which the head gave to manager 2 before it was won for 2,000. The interest L1 was
    his, then reassigned to manager 2, who answered 2 hours after receiving it and qualified it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        m1, m2 = cls.user_manager, cls.user_manager_2
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.env["res.currency.rate"].search([("currency_id", "=", cls.eur.id)]).unlink()
        cls.env["res.currency.rate"].create(
            {"currency_id": cls.eur.id, "name": date(2026, 1, 1), "rate": 2.0, "company_id": cls.company.id}
        )
        cls.pricelist_eur = cls.env["product.pricelist"].create({"name": "EUR (отчёты)", "currency_id": cls.eur.id})

        cls.lead_1 = cls._lead(m1, "Интерес Л1")
        cls.lead_1.write({"user_id": m2.id})
        cls.lead_1.with_user(m2).message_post(
            body="Добрый день! Пришлите реквизиты.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        cls.lead_1.write({"type": "opportunity"})

        cls.d1 = cls._lead(m1, "Сделка 1", type_="opportunity")
        cls._order(cls.d1, 1000.0)
        cls._order(cls.d1, 5000.0)._action_cancel()
        cls._win(cls.d1, datetime(2026, 3, 1, 9), datetime(2026, 3, 11, 9))
        cls.d2 = cls._lead(m1, "Сделка 2 (EUR)", type_="opportunity", partner_id=cls.partner_b.id)
        cls._order(cls.d2, 200.0, pricelist=cls.pricelist_eur)
        cls._win(cls.d2, datetime(2026, 3, 1, 9), datetime(2026, 3, 21, 9))
        cls.d3 = cls._lead(m1, "Сделка 3 (проиграна)", type_="opportunity", expected_revenue=800.0)
        cls._lose(cls.d3, datetime(2026, 3, 15, 12))
        cls.d4 = cls._lead(m1, "Сделка 4 (передана)", type_="opportunity", partner_id=cls.partner_c.id)
        cls.d4.write({"user_id": m2.id})
        cls._order(cls.d4, 2000.0)
        cls._win(cls.d4, datetime(2026, 3, 2, 9), datetime(2026, 3, 12, 9))
        cls.d5 = cls._lead(m1, "Сделка 5 (открыта)", type_="opportunity", expected_revenue=500.0)
        cls.d5.activity_schedule(
            "mail.mail_activity_data_call", date_deadline=date(2026, 3, 5), user_id=m1.id, summary="Перезвонить"
        )
        cls.d5.activity_ids.flush_recordset()
        cls._set_sql(cls.d5 | cls.d3 | cls.lead_1, create_date=IN_MONTH)
        handovers = (cls.lead_1 | cls.d1 | cls.d2 | cls.d3 | cls.d4 | cls.d5).medcrm_handover_ids
        cls._set_sql(handovers, date=IN_MONTH)
        # manager 2 answered L1 two hours after he received it
        answer = cls.lead_1.message_ids.filtered(lambda message: message.author_id == m2.partner_id)
        cls._set_sql(answer, date=IN_MONTH + timedelta(hours=2))
        cls.env.cr.execute(
            "UPDATE medcrm_lead_handover SET medcrm_response_date = %s WHERE lead_id = %s AND to_user_id = %s",
            [IN_MONTH + timedelta(hours=2), cls.lead_1.id, m2.id],
        )
        handovers.invalidate_model()
        cls.env["medcrm.report.mixin"]._medcrm_refresh_all()
        cls.month_domain = [("date", ">=", "2026-03-01"), ("date", "<", "2026-04-01"), ("team_id", "=", cls.team.id)]
