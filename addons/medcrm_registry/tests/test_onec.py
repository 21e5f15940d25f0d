"""The 1C bridge's РУ mapping feeds the same check: products mirrored from 1C are checked after the sync."""

import csv
import io

from odoo.addons.medcrm_1c_bridge.tests.common import OnecCase
from odoo.addons.medcrm_registry.models.registry_format import normalize_number
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestOnecProductsChecked(OnecCase):
    def test_products_synced_from_1c_get_their_certificate_status(self):
        self.env.cr.execute("DELETE FROM medcrm_registry_product_check")
        self.env.cr.execute("DELETE FROM medcrm_registry_certificate")
        props = {
            p["Ref_Key"]: p["Имя"]
            for p in self.odata("ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения")["value"]
        }
        numbers, keys = {}, set()
        for item in self.onec_products():
            values = {props[row["Свойство_Key"]]: row["Значение"] for row in item["ДополнительныеРеквизиты"]}
            number = values.get("РегистрационноеУдостоверение")
            key = normalize_number(number)[0]
            if key and key not in keys:  # analogues may share a certificate: one product per number
                keys.add(key)
                numbers[item["Ref_Key"]] = number
        self.assertGreaterEqual(len(numbers), 3, "the emulator gives certificates to its products")
        (valid_guid, valid_no), (expired_guid, expired_no), (missing_guid, _missing_no) = list(numbers.items())[:3]
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow(["registration_number", "registration_date", "registration_date_end", "producer"])
        writer.writerow([f"  {valid_no} ", "20190101", "", "ООО «Кто-то»"])
        writer.writerow([expired_no, "2010-01-01", "2015-01-01", "ООО «Кто-то»"])
        log = self.env["medcrm.registry.import"]._import_file(
            io.BytesIO(buffer.getvalue().encode("cp1251")), "register.csv"
        )
        self.assertEqual(log.count_added, 2)
        # the products are not there yet: the sync writes them by SQL, then checks them
        sync = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(sync.state, "done", sync.message)
        products = {p.medcrm_1c_guid: p for p in self.mirrored()}
        self.assertEqual(products[valid_guid].medcrm_registry_status, "valid")
        self.assertEqual(products[expired_guid].medcrm_registry_status, "expired")
        self.assertEqual(products[missing_guid].medcrm_registry_status, "not_found")
