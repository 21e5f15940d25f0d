import psycopg2

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OnecCase

COUNTERPARTIES = 30


@tagged("post_install", "-at_install")
class TestCounterpartySync(OnecCase):
    """Counterparties both ways: 1C → CRM with contacts, CRM → 1C with the GUID back, then 1C wins."""

    def onec_counterparties(self):
        return self.odata("Catalog_Контрагенты", **{"$filter": "IsFolder eq false"})["value"]

    def test_counterparties_and_contacts_arrive(self):
        log = self.connection._medcrm_1c_sync_partners()
        self.assertEqual((log.state, log.count_read, log.count_created), ("done", COUNTERPARTIES, COUNTERPARTIES))
        item = self.onec_counterparties()[4]
        partner = self.env["res.partner"].search([("medcrm_1c_guid", "=", item["Ref_Key"])])
        self.assertEqual(partner.name, item["Description"])
        self.assertEqual(partner.medcrm_1c_full_name, item["НаименованиеПолное"])
        self.assertEqual((partner.vat, partner.medcrm_kpp or ""), (item["ИНН"], item["КПП"]))
        self.assertTrue(partner.is_company)
        rows = {row["Тип"]: row["Представление"] for row in item["КонтактнаяИнформация"]}
        self.assertEqual(partner.street, rows["Адрес"])
        self.assertEqual(partner.email, rows["АдресЭлектроннойПочты"])
        persons = self.odata("Catalog_КонтактныеЛица", **{"$filter": f"Owner_Key eq guid'{item['Ref_Key']}'"})["value"]
        self.assertEqual(sorted(partner.child_ids.mapped("medcrm_1c_guid")), sorted(p["Ref_Key"] for p in persons))
        again = self.connection._medcrm_1c_sync_partners()
        self.assertEqual((again.count_created, again.count_updated, again.count_unchanged), (0, 0, COUNTERPARTIES))

    def test_existing_crm_partner_is_matched_by_inn_and_kpp(self):
        item = self.onec_counterparties()[0]
        crm = self.env["res.partner"].create(
            {
                "name": "Клиент из лида",
                "is_company": True,
                "country_id": self.env.ref("base.ru").id,
                "vat": item["ИНН"],
                "medcrm_kpp": item["КПП"] or False,
                "medcrm_export_to_1c": True,
            }
        )
        self.connection._medcrm_1c_sync_partners()
        self.assertEqual(crm.medcrm_1c_guid, item["Ref_Key"])
        self.assertFalse(crm.medcrm_export_to_1c, "1C has it: nothing to export any more")
        self.assertEqual(crm.name, item["Description"], "afterwards 1C wins")
        self.assertEqual(
            self.env["res.partner"].search_count([("vat", "=", item["ИНН"]), ("parent_id", "=", False)]), 1
        )

    def test_export_round_trip(self):
        partner = self.env["res.partner"].create(
            {
                "name": "ООО «Новый клиент»",
                "is_company": True,
                "country_id": self.env.ref("base.ru").id,
                "vat": "7707083893",
                "medcrm_kpp": "770701001",
                "street": "ул. Вавилова, 19",
                "city": "Москва",
                "phone": "+7 495 500-55-50",
                "medcrm_export_to_1c": True,
            }
        )
        log = self.connection._medcrm_1c_export_partners()
        self.assertEqual((log.state, log.direction, log.count_created), ("done", "out", 1), log.message)
        self.assertFalse(partner.medcrm_export_to_1c)
        created = self.odata("Catalog_Контрагенты", **{"$filter": "ИНН eq '7707083893'"})["value"]
        self.assertEqual(len(created), 1)
        self.assertEqual(partner.medcrm_1c_guid, created[0]["Ref_Key"])
        self.assertEqual(created[0]["КПП"], "770701001")
        # Afterwards 1C wins: a rename in 1C reaches the CRM.
        self.odata(
            f"Catalog_Контрагенты(guid'{partner.medcrm_1c_guid}')", method="PATCH", json={"Description": "Новый клиент"}
        )
        self.connection._medcrm_1c_sync_partners()
        self.assertEqual(partner.name, "Новый клиент")
        # Exporting again sends nothing.
        self.assertEqual(self.connection._medcrm_1c_export_partners().count_read, 0)

    def test_export_retried_after_a_lost_answer_creates_one_counterparty(self):
        partner = self.env["res.partner"].create(
            {
                "name": "ИП Сидоров",
                "is_company": True,
                "country_id": self.env.ref("base.ru").id,
                "vat": "500100732259",
                "medcrm_export_to_1c": True,
            }
        )
        self.emu("faults", scope="Catalog_", merge=True)
        self.fault("drop", 2)  # the lookup, then the POST whose answer is lost
        log = self.connection._medcrm_1c_export_partners()
        self.assertEqual(log.state, "done", log.message)
        found = self.odata("Catalog_Контрагенты", **{"$filter": "ИНН eq '500100732259'"})["value"]
        self.assertEqual(len(found), 1, "no duplicate in 1C")
        self.assertEqual(partner.medcrm_1c_guid, found[0]["Ref_Key"])

    def test_a_crm_twin_of_a_mirrored_counterparty_cannot_be_made(self):
        # Counterparties are unique by INN and KPP (medcrm_leads): a CRM copy of what 1C mirrors is refused
        # at creation, so it never waits for export.
        self.connection._medcrm_1c_sync_partners()
        item = self.onec_counterparties()[2]
        with self.assertRaises(ValidationError) as caught:
            self.env["res.partner"].with_context(lang="ru_RU").create(
                {
                    "name": "Дубль",
                    "is_company": True,
                    "country_id": self.env.ref("base.ru").id,
                    "vat": item["ИНН"],
                    "medcrm_kpp": item["КПП"] or False,
                    "medcrm_export_to_1c": True,
                }
            )
        self.assertIn(item["ИНН"], str(caught.exception))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Дубль")]))

    def test_export_without_inn_is_logged(self):
        partner = self.env["res.partner"].create({"name": "Без ИНН", "is_company": True, "medcrm_export_to_1c": True})
        log = self.connection._medcrm_1c_export_partners()
        self.assertEqual((log.state, log.count_errors), ("partial", 1))
        self.assertTrue(partner.medcrm_export_to_1c)

    def test_one_guid_one_partner(self):
        self.connection._medcrm_1c_sync_partners()
        guid = self.onec_counterparties()[0]["Ref_Key"]
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.env["res.partner"].create({"name": "Копия", "medcrm_1c_guid": guid})

    def test_one_inn_kpp_one_mirrored_partner(self):
        self.connection._medcrm_1c_sync_partners()
        item = self.onec_counterparties()[1]
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(
                {
                    "name": "Копия",
                    "is_company": True,
                    "country_id": self.env.ref("base.ru").id,
                    "vat": item["ИНН"],
                    "medcrm_kpp": item["КПП"] or False,
                    "medcrm_1c_guid": "0a0a0a0a-0000-11e0-8000-0050569f62a1",
                }
            )

    def test_duplicate_in_1c_is_an_error_not_a_second_partner(self):
        item = self.onec_counterparties()[5]
        self.odata(
            "Catalog_Контрагенты",
            method="POST",
            json={"Description": "Дубль в 1С", "ИНН": item["ИНН"], "КПП": item["КПП"]},
        )
        log = self.connection._medcrm_1c_sync_partners()
        self.assertEqual((log.state, log.count_errors), ("partial", 1))
        mirrors = self.env["res.partner"].search([("vat", "=", item["ИНН"]), ("parent_id", "=", False)])
        self.assertEqual(len(mirrors), 1)
