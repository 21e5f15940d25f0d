from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import MedcrmReportsCase

MEASURES = [
    "qty:sum",
    "qty_not_in_stock:sum",
    "amount_not_in_stock:sum",
    "nbr_lines:sum",
    "nbr_needs:sum",
    "nbr_needs_converted:sum",
    "nbr_needs_with_duplicates:sum",
    "rate_converted",
]


@tagged("post_install", "-at_install")
class TestReportNeed(MedcrmReportsCase):
    """Product S: 10 on hand, product N: none. Need 1 (manager 1): S × 5, N × 3, a duplicate found; need 2
    (manager 1): N × 2, became a deal; need 3 (manager 2): S × 20, lost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_s, cls.product_n = cls.env["product.product"].create(
            [
                {"name": name, "type": "consu", "is_storable": True, "sale_ok": True, "list_price": price}
                for name, price in (("Перчатки (на складе)", 2.0), ("Маски (нет на складе)", 5.0))
            ]
        )
        stock = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1).lot_stock_id
        cls.env["stock.quant"]._update_available_quantity(cls.product_s, stock, 10.0)

        def need(user, partner, lines):
            return cls.env["medcrm.need"].create(
                {
                    "partner_id": partner.id,
                    "user_id": user.id,
                    "source_id": cls.source_email.id,
                    "date_from": date(2026, 3, 1),
                    "date_to": date(2026, 3, 31),
                    "line_ids": [Command.create({"product_id": p.id, "product_uom_qty": q}) for p, q in lines],
                }
            )

        cls.need_1 = need(cls.user_manager, cls.partner_a, [(cls.product_s, 5), (cls.product_n, 3)])
        cls.need_2 = need(cls.user_manager, cls.partner_b, [(cls.product_n, 2)])
        cls.need_3 = need(cls.user_manager_2, cls.partner_c, [(cls.product_s, 20)])
        deal = cls._lead(cls.user_manager, "Сделка из потребности 2", type_="opportunity")
        cls._set_sql(cls.need_2, state="converted", deal_id=deal.id)
        cls._set_sql(cls.need_3, state="lost")
        cls._set_sql(cls.need_1, state="open")
        cls.env["medcrm.need.duplicate"].create(
            {
                "need_id": cls.need_1.id,
                "other_kind": "need",
                "other_need_id": cls.need_3.id,
                "other_number": "X",
                "match_type": "similar",
            }
        )
        cls.env["medcrm.report.mixin"]._medcrm_refresh_all()
        cls.domain = [("need_id", "in", (cls.need_1 | cls.need_2 | cls.need_3).ids)]

    def test_needs_by_product(self):
        by_product = self._totals("medcrm.report.need", self.domain, groupby=["product_id"], fields=MEASURES)
        gloves, masks = by_product[self.product_s.id], by_product[self.product_n.id]
        self.assertEqual(
            (gloves["qty"], gloves["qty_not_in_stock"], gloves["nbr_needs"]), (25.0, 20.0, 2), "5 on hand, 20 not"
        )
        self.assertEqual((masks["qty"], masks["qty_not_in_stock"], masks["amount_not_in_stock"]), (5.0, 5.0, 25.0))

    def test_conversion_and_duplicates(self):
        total = self._totals("medcrm.report.need", self.domain, fields=MEASURES)[None]
        self.assertEqual(
            {key: total[key] for key in ("nbr_lines", "nbr_needs", "nbr_needs_converted", "nbr_needs_with_duplicates")},
            {"nbr_lines": 4, "nbr_needs": 3, "nbr_needs_converted": 1, "nbr_needs_with_duplicates": 1},
        )
        self.assertEqual(total["rate_converted"], 50.0, "1 converted of 2 closed needs")
        never = self.env["medcrm.report.need"].search(self.domain + [("is_converted", "=", False)])
        self.assertEqual(never.need_id, self.need_1 | self.need_3)

    def test_manager_sees_his_needs(self):
        mine = self._totals("medcrm.report.need", self.domain, user=self.user_manager, fields=MEASURES)[None]
        self.assertEqual((mine["nbr_needs"], mine["qty"], mine["nbr_needs_with_duplicates"]), (2, 10.0, 1))
