import tempfile
from pathlib import Path

from odoo.tests import tagged

from ..exchange import ExchangeError
from ..exchange.odata import Guid, odata_filter
from ..exchange.xmlsafe import fromstring
from .common import PRODUCTS, OnecCase

XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.05"><Классификатор><Группы><Группа>
<Ид>0a0a0a0a-0000-11e0-8000-0050569f62a1</Ид><Наименование>&x;</Наименование></Группа></Группы></Классификатор>
</КоммерческаяИнформация>""".encode()
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2"><Каталог><Товары><Товар>
<Ид>0a0a0a0a-0000-11e0-8000-0050569f62a1</Ид><Наименование>&lol9;</Наименование></Товар></Товары></Каталог></КоммерческаяИнформация>""".encode()


@tagged("post_install", "-at_install")
class TestHostilePayloads(OnecCase):
    """Hostile or broken answers give a logged, clear error; nothing is read from disk, nothing half-written."""

    def cml_connection(self, files):
        from emulator_1c.commerceml import CmlSource, write_files
        from emulator_1c.schema import PROFILES
        from emulator_1c.seed import SEED_DATE, build_reference, iter_products

        folder = Path(tempfile.mkdtemp(prefix="medcrm_cml_"))
        self.addCleanup(lambda: [p.unlink() for p in folder.iterdir()] and folder.rmdir())
        profile = PROFILES["ut11"]
        ref = build_reference(42, profile)
        write_files(
            str(folder),
            lambda: CmlSource(
                ref, profile, ref.group_records, iter_products(ref, profile, PRODUCTS), generated=SEED_DATE.isoformat()
            ),
        )
        for name, content in files.items():
            (folder / name).write_bytes(content(folder / name) if callable(content) else content)
        return self.connection.copy({"name": "CML", "transport": "commerceml", "url": str(folder)})

    def test_commerceml_files_give_the_odata_catalogue(self):
        rub = self.rouble_company()
        self.connection = self.connection.with_company(rub)
        clean = self.clean_snapshot()
        connection = self.cml_connection({}).with_company(rub)
        log = connection._medcrm_1c_sync_products(full=True)
        self.assertEqual((log.state, log.count_created), ("done", PRODUCTS), log.message)
        mirror = self.snapshot()
        diff = {k: (clean.get(k), mirror.get(k)) for k in set(clean) | set(mirror) if clean.get(k) != mirror.get(k)}
        self.assertEqual(mirror, clean, f"both transports give the same mirror: {list(diff.items())[:3]}")
        again = connection._medcrm_1c_sync_products(full=True)
        self.assertEqual((again.count_unchanged, again.count_updated), (PRODUCTS, 0))

    def assert_refused(self, files, expected):
        connection = self.cml_connection(files)
        log = connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "failed")
        self.assertIn(expected, log.message)
        self.assertFalse(self.mirrored())
        self.assertNotIn("root:", log.message + "".join(log.line_ids.mapped("payload")))
        return log

    def test_xxe_is_refused(self):
        self.assert_refused({"import.xml": XXE}, "DTD")

    def test_billion_laughs_is_refused(self):
        self.assert_refused({"import.xml": LAUGHS}, "DTD")

    def test_oversized_file_is_refused(self):
        connection = self.cml_connection({"import.xml": lambda path: path.read_bytes() + b" " * (2 << 20)})
        connection.max_mb = 1
        log = connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "failed")
        self.assertIn("1048576", log.message)
        self.assertFalse(self.mirrored())

    def test_truncated_file_fails_clearly_and_leaves_whole_records(self):
        connection = self.cml_connection({"import.xml": lambda path: path.read_bytes()[: path.stat().st_size // 2]})
        log = connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "failed")
        self.assertIn("XML", log.message)
        self.assertIn("import.xml", log.message)
        for product in self.mirrored():
            self.assertTrue(product.name and product.medcrm_registry_code and product.product_variant_ids)

    def test_dtd_in_a_small_answer_is_refused(self):
        with self.assertRaises(ExchangeError) as caught:
            fromstring(XXE)
        self.assertEqual(caught.exception.code, "forbidden_xml")

    def test_malformed_json_that_stays_malformed(self):
        self.fault("truncate", 50)
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "failed")
        self.assertTrue(log.message)
        self.assertEqual(log.count_requests, self.connection.retries + 1)
        self.assertFalse(self.mirrored())

    def test_wrong_guids_that_stay_wrong_are_logged_per_record(self):
        self.connection.change_feed = False
        self.fault("bad_guid", 500)
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "partial", log.message)
        self.assertEqual(log.count_errors, PRODUCTS)
        self.assertFalse(self.mirrored())
        line = log.line_ids[0]
        self.assertIn("GUID", line.with_context(lang="en_US").message)
        self.assertIn("Ref_Key", line.payload)

    def test_filter_values_are_quoted(self):
        hostile = "x' or true or ''='"
        flt = odata_filter("ИНН eq {} and Ref_Key eq {}", hostile, Guid("0A0A0A0A-0000-11E0-8000-0050569F62A1"))
        self.assertEqual(
            flt, "ИНН eq 'x'' or true or ''''=''' and Ref_Key eq guid'0a0a0a0a-0000-11e0-8000-0050569f62a1'"
        )
        with self.assertRaises(ValueError):
            odata_filter("Ref_Key eq {}", Guid("0a0a') or true or ('"))
        # Against 1C: the hostile INN finds nothing instead of everything.
        transport = self.connection._medcrm_1c_transport()
        self.addCleanup(transport.close)
        self.assertIsNone(transport.find_counterparty(hostile, ""))
