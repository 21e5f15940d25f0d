from stdnum.ru import inn

from odoo.tests import TransactionCase


class TestDemoData(TransactionCase):
    """Demo data looks like the customer's world: Russian counterparties and interests from every channel."""

    def test_counterparties_have_valid_inn_and_kpp(self):
        companies = self.env["res.partner"].search(
            [("is_company", "=", True), ("medcrm_kpp", "!=", False), ("country_id.code", "=", "RU")]
        )
        self.assertGreaterEqual(len(companies), 5)
        for company in companies:
            self.assertTrue(inn.is_valid(company.vat), f"{company.name}: INN {company.vat} fails its checksum")
            self.assertRegex(company.medcrm_kpp, r"^\d{4}[\dA-Z]{2}\d{3}$")
            self.assertTrue(company.child_ids, f"{company.name} has no contact person")

    def test_demo_leads_come_from_several_channels_with_a_source(self):
        leads = self.env["crm.lead"].search([("team_id", "=", self.env.ref("sales_team.team_sales_department").id)])
        medcrm_leads = leads.filtered(lambda lead: lead.get_external_id()[lead.id].startswith("medcrm_leads."))
        self.assertGreaterEqual(len(medcrm_leads), 8)
        self.assertTrue(all(medcrm_leads.mapped("source_id")), "every interest has its source")
        self.assertGreaterEqual(len(medcrm_leads.source_id), 8)
        self.assertEqual(set(medcrm_leads.mapped("type")), {"lead", "opportunity"})

    def test_channels_are_data(self):
        channel = self.env.ref("medcrm_leads.utm_source_medbuy")
        self.assertEqual(channel._name, "utm.source")
        self.assertEqual(channel.name, "Medbuy.ru")
