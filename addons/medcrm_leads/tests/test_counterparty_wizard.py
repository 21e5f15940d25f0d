from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import LeadsCase


@tagged("post_install", "-at_install")
class TestCounterpartyWizard(LeadsCase):
    """Step 7: the counterparty and its contact are made from the lead and the requisites, never twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.existing = cls.env["res.partner"].create(
            {
                "name": "ГБУЗ «Городская больница № 7»",
                "is_company": True,
                "country_id": cls.env.ref("base.ru").id,
                "vat": "7816123458",
                "medcrm_kpp": "781601001",
                "email": "info@gb7.example",
            }
        )

    def setUp(self):
        super().setUp()
        self.lead = self.env["crm.lead"].create(
            self._incoming_lead_values(
                "Запрос на перевязочные материалы",
                partner_name="ООО «Бинт и Ко»",
                contact_name="Смолина Вера",
                email_from="smolina@bint-co.example",
                phone="+7 812 300-40-50",
                function="Закупщик",
            )
        )
        self.assertEqual(self.lead.user_id, self.user_manager)

    def _wizard(self, **values):
        wizard_form = Form(
            self.env["medcrm.counterparty.wizard"]
            .with_user(self.user_manager)
            .with_context(default_lead_id=self.lead.id, lang="ru_RU")
        )
        for name, value in values.items():
            setattr(wizard_form, name, value)
        return wizard_form

    def test_new_counterparty_and_contact_waiting_for_1c(self):
        wizard_form = self._wizard(inn="ИНН 6315 000 012", kpp="631501001", city="Самара")
        self.assertEqual(wizard_form.company_name, "ООО «Бинт и Ко»", "prefilled from the lead")
        self.assertEqual(wizard_form.contact_name, "Смолина Вера")
        self.assertIn("создан новый", wizard_form.match_summary)
        Partner = self.env["res.partner"]
        count = Partner.search_count([])
        wizard_form.save().action_apply()
        company = self.lead.partner_id.parent_id
        self.assertEqual(Partner.search_count([]), count + 2)
        self.assertEqual(
            (company.name, company.vat, company.medcrm_kpp, company.is_company, company.country_id.code),
            ("ООО «Бинт и Ко»", "6315000012", "631501001", True, "RU"),
        )
        self.assertTrue(company.medcrm_export_to_1c, "new counterparties wait for the export to 1C")
        contact = self.lead.partner_id
        self.assertEqual(
            (contact.name, contact.email, contact.function), ("Смолина Вера", "smolina@bint-co.example", "Закупщик")
        )
        self.assertFalse(contact.is_company)
        self.assertIn("создан", self.lead.message_ids[0].body)

    def test_same_inn_in_another_format_links_the_existing_company(self):
        wizard_form = self._wizard(company_name="Городская больница 7", inn=" 7816 123 458 ", kpp="781601001")
        self.assertIn(self.existing.id, wizard_form.match_partner_ids.ids)
        self.assertEqual(wizard_form.existing_partner_id, self.existing)
        self.assertIn("те же ИНН 7816123458 и КПП 781601001", wizard_form.match_summary)
        count = self.env["res.partner"].search_count([("is_company", "=", True)])
        result = wizard_form.save().action_apply()
        self.assertEqual(self.env["res.partner"].search_count([("is_company", "=", True)]), count, "no new company")
        self.assertEqual(self.lead.partner_id.parent_id, self.existing)
        self.assertFalse(self.existing.medcrm_export_to_1c, "an existing counterparty is not exported again")
        self.assertIn("те же ИНН", result["params"]["message"], "the user sees why")
        self.assertIn("Контрагент найден", self.lead.message_ids[0].body)

    def test_same_name_with_other_case_and_quotes_links_the_existing_company(self):
        wizard_form = self._wizard(company_name='гбуз "ГОРОДСКАЯ БОЛЬНИЦА № 7"', inn=False, kpp=False)
        self.assertEqual(wizard_form.existing_partner_id, self.existing)
        wizard_form.save().action_apply()
        self.assertEqual(self.lead.partner_id.commercial_partner_id, self.existing)

    def test_existing_contact_is_reused(self):
        contact = self.env["res.partner"].create(
            {"name": "Смолина В.", "parent_id": self.existing.id, "email": "SMOLINA@bint-co.example"}
        )
        self._wizard(company_name="ГБУЗ Городская больница № 7").save().action_apply()
        self.assertEqual(self.lead.partner_id, contact)

    def test_invalid_inn_creates_nothing(self):
        wizard_form = self._wizard(inn="6315000013")
        self.assertIn("контрольные цифры", wizard_form.match_summary, "the check explains while typing")
        wizard = wizard_form.save()
        count = self.env["res.partner"].search_count([])
        with self.assertRaisesMessage(ValidationError, "контрольные цифры"):
            wizard.action_apply()
        self.assertEqual(self.env["res.partner"].search_count([]), count)
        self.assertFalse(self.lead.partner_id)

    def test_invalid_kpp_creates_nothing(self):
        wizard = self._wizard(inn="6315000012", kpp="63-15").save()
        with self.assertRaisesMessage(ValidationError, "КПП «63-15»"):
            wizard.action_apply()
        self.assertFalse(self.lead.partner_id)
