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

    def test_document_push_and_status_are_ready_for_orders(self):
        transport = self.connection._medcrm_1c_transport()
        self.addCleanup(transport.close)
        product = self.onec_products()[0]["Ref_Key"]
        client = self.odata("Catalog_Контрагенты", **{"$filter": "IsFolder eq false", "$top": "1"})["value"][0]
        values = {
            "NeedNumber": "ПТР-000042",
            "CounterpartyRef": client["Ref_Key"],
            "Date": "2024-02-01T10:00:00",
            "Lines": {"Line": [{"ProductRef": product, "Quantity": 10, "Price": 12.5}]},
        }
        order = transport.push_document(self.connection.orders_set, values)
        self.assertEqual(transport.push_document(self.connection.orders_set, values)["guid"], order["guid"])
        self.assertFalse(transport.document_status(self.connection.orders_set, order["guid"])["paid"])
        self.emu(f"orders/{order['guid']}/pay")
        self.emu(f"orders/{order['guid']}/ship")
        status = transport.document_status(self.connection.orders_set, order["guid"])
        self.assertEqual((status["paid"], status["shipped"], status["state"]), (True, True, "Закрыт"))
