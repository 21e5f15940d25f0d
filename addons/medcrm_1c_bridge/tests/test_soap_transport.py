import datetime

from odoo.tests import tagged

from .common import OnecCase


@tagged("post_install", "-at_install")
class TestSoapTransport(OnecCase):
    """The MedcrmExchange web service, called with zeep: counterparties now, documents in phase 2."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.transport = "soap"

    def test_counterparty_export_through_the_web_service(self):
        partner = self.env["res.partner"].create(
            {
                "name": "ООО «Через SOAP»",
                "is_company": True,
                "country_id": self.env.ref("base.ru").id,
                "vat": "7751752110",
                "medcrm_kpp": "775101001",
                "medcrm_export_to_1c": True,
            }
        )
        self.fault("error500", 1)  # a server fault (soap:Server) is retried
        log = self.connection._medcrm_1c_export_partners()
        self.assertEqual((log.state, log.count_created), ("done", 1), log.message)
        found = self.odata("Catalog_Контрагенты", **{"$filter": "ИНН eq '7751752110'"})["value"]
        self.assertEqual([partner.medcrm_1c_guid], [c["Ref_Key"] for c in found])

    def test_client_fault_is_a_clear_record_error(self):
        partner = self.env["res.partner"].create(
            {
                "name": "ООО «Без КПП»",
                "is_company": True,
                "country_id": self.env.ref("base.ru").id,
                "vat": "7707083893",
                "medcrm_export_to_1c": True,
            }
        )
        log = self.connection._medcrm_1c_export_partners()
        self.assertEqual((log.state, log.count_errors), ("partial", 1))
        self.assertIn("КПП", log.line_ids.message)
        self.assertTrue(partner.medcrm_export_to_1c)

    def test_order_push_and_status_through_the_web_service(self):
        transport = self.connection._medcrm_1c_transport()
        self.addCleanup(transport.close)
        product = self.onec_products()[0]["Ref_Key"]
        client = self.odata("Catalog_Контрагенты", **{"$filter": "IsFolder eq false", "$top": "1"})["value"][0]
        values = {
            "ref": "5d0f4c1e-8a11-5b6e-9c3d-2f7a8b9c0d1e",
            "need_number": "ПТР-000042",
            "counterparty": client["Ref_Key"],
            "date": datetime.datetime(2024, 2, 1, 10, 0),
            "comment": "Заказ CRM S00042",
            "lines": [{"product": product, "quantity": 10.0, "price": 12.5, "amount": 125.0}],
        }
        order = transport.push_order(values)
        self.assertEqual((order["guid"], order["created"]), (values["ref"], True))
        again = transport.push_order(values)
        self.assertEqual((again["guid"], again["number"], again["created"]), (order["guid"], order["number"], False))
        self.assertFalse(transport.order_statuses([order["guid"]])[order["guid"]]["paid"])
        self.emu(f"orders/{order['guid']}/pay", date="2024-02-03T09:30:00")
        self.emu(f"orders/{order['guid']}/ship")
        status = transport.order_statuses([order["guid"]])[order["guid"]]
        self.assertEqual((status["paid"], status["shipped"], status["state"]), (True, True, "Закрыт"))
        self.assertEqual(status["paid_date"], datetime.datetime(2024, 2, 3, 9, 30))
        unknown = transport.order_statuses(["00000000-0000-0000-0000-0000000000ab"])
        self.assertEqual(unknown["00000000-0000-0000-0000-0000000000ab"]["error"].code, "soap_fault")
