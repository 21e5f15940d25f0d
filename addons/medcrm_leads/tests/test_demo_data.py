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

    def test_demo_round_robin_queue_and_head(self):
        team = self.env.ref("sales_team.team_sales_department")
        self.assertEqual(team.medcrm_assignment_mode, "round_robin")
        self.assertEqual(team.user_id, self.env.ref("medcrm_needs.user_head_smirnov"), "the head leads the team")
        available = team.medcrm_queue_member_ids.filtered("medcrm_is_available").sorted("medcrm_sequence")
        self.assertEqual(
            available.user_id.mapped("login"), ["ivanova", "petrov", "kuznetsova"], "the queue, in its order"
        )
        self.assertIn(self.env.ref("medcrm_needs.user_head_smirnov"), team.medcrm_queue_member_ids.user_id)

    def test_demo_lead_first_handled_by_the_head_then_ivanova(self):
        lead = self.env.ref("medcrm_leads.lead_email_gkb15")
        self.assertEqual(lead.medcrm_first_user_id.login, "smirnov")
        self.assertEqual(lead.user_id.login, "ivanova")
        self.assertEqual(lead.medcrm_handover_ids.sorted("id").to_user_id.mapped("login"), ["smirnov", "ivanova"])
        self.assertTrue(lead.medcrm_product_ids)
