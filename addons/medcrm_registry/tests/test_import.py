"""The register imported from fixture files in the published format."""

import datetime
import functools
import http.server
import io
import tempfile
import threading
from pathlib import Path

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import FIXTURES, RegistryCase, fixture_bytes, zipped


@tagged("post_install", "-at_install")
class TestRegisterImport(RegistryCase):
    def certificate(self, key):
        return self.env["medcrm.registry.certificate"].search([("number_key", "=", key)])

    def test_csv_in_windows_1251_with_multiline_fields_and_both_date_formats(self):
        log = self.import_fixture("register_v1.csv")
        self.assertEqual(log.state, "done", log.error)
        self.assertEqual(
            (log.count_read, log.count_added, log.count_changed, log.count_duplicate, log.count_rejected),
            (8, 5, 0, 1, 2),
        )
        syringe = self.certificate("РЗН 2019/8123")
        self.assertEqual(syringe.name, "РЗН 2019/8123")
        self.assertEqual(syringe.device_name, "Шприц инъекционный однократного применения\nтрёхкомпонентный, 5 мл")
        self.assertEqual(syringe.appointment, 'Для инъекций; "стерильно"')
        self.assertEqual(syringe.registration_date, datetime.date(2019, 3, 14))
        self.assertFalse(syringe.date_end, "an empty end date: unlimited")
        self.assertEqual(syringe.status, "valid")
        self.assertEqual(syringe.applicant, "ООО «Медпром»")
        bandage = self.certificate("ФСЗ 2010/7540")
        self.assertEqual(bandage.name, "ФСЗ 2010/07540")
        self.assertEqual(
            (bandage.registration_date, bandage.date_end), (datetime.date(2010, 8, 30), datetime.date(2020, 8, 30))
        )
        self.assertEqual(bandage.status, "expired")
        self.assertEqual(self.certificate("ФСР 2011/12345").status, "annulled")
        self.assertIn("\n", self.certificate("ФСЗ 2011/10217").details)
        reasons = {(r.line, r.number): r.reason for r in log.rejection_ids}
        self.assertEqual(len(reasons), 2)
        no_number = [reason for (_line, number), reason in reasons.items() if not number]
        self.assertEqual(len(no_number), 1)
        bad_date = log.rejection_ids.filtered(lambda r: r.number == "РЗН 2020/5555")
        self.assertIn("31.02.2020", bad_date.reason)
        self.assertFalse(self.certificate("РЗН 2020/5555"))

    def test_reimport_is_idempotent_and_changes_are_counted(self):
        self.import_fixture("register_v1.csv")
        again = self.import_fixture("register_v1.csv")
        self.assertEqual((again.count_added, again.count_changed, again.count_unchanged), (0, 0, 5))
        before = self.certificate("РЗН 2019/8123").write_date
        # zip, columns in another order, an unknown column: one certificate renewed, one new
        log = self.import_fixture("register_v2.csv", as_zip=True)
        self.assertEqual(log.state, "done", log.error)
        self.assertEqual((log.count_read, log.count_added, log.count_changed, log.count_unchanged), (6, 1, 1, 4))
        self.assertEqual(self.certificate("ФСЗ 2010/7540").date_end, datetime.date(2035, 12, 31))
        self.assertEqual(self.certificate("ФСЗ 2010/7540").import_id, log)
        self.assertEqual(self.certificate("РЗН 2021/14000").producer, "ООО «Перчатка»")
        self.assertEqual(self.certificate("РЗН 2019/8123").write_date, before, "an unchanged row is not rewritten")
        self.assertEqual(self.env["medcrm.registry.certificate"].search_count([]), 6)

    def test_utf8_file_is_read_too(self):
        text = fixture_bytes("register_v1.csv").decode("cp1251")
        log = self.Import._import_file(io.BytesIO(text.encode("utf-8")), "utf8.csv")
        self.assertEqual(log.count_added, 5)
        self.assertEqual(self.certificate("РЗН 2019/8123").applicant, "ООО «Медпром»")

    def test_not_a_register_is_refused_in_russian(self):
        with self.assertRaisesText(UserError, "registration_number"):
            self.Import._import_file(io.BytesIO(b"a;b;c\n1;2;3\n"), "other.csv")
        log = self.Import._import_file(io.BytesIO(b"PK\x03\x04garbage"), "broken.zip", raise_error=False)
        self.assertEqual(log.state, "failed")
        self.assertTrue(log.error)
        self.assertFalse(self.env["medcrm.registry.certificate"].search_count([]))

    def test_download_follows_the_passport_to_the_data_file(self):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "meta.csv").write_bytes((FIXTURES / "meta.csv").read_bytes())
            (root / "data-20261101-structure-20121130.zip").write_bytes(zipped("register_v1.csv"))
            (root / "data-20261201-structure-20121130.zip").write_bytes(zipped("register_v2.csv", "data.csv"))
            handler = functools.partial(QuietHandler, directory=folder)
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                base = f"http://127.0.0.1:{server.server_address[1]}"
                log = self.Import._import_url(f"{base}/meta.csv")
                self.assertEqual(log.state, "done", log.error)
                # the last data file the passport names: v2
                self.assertEqual((log.count_read, log.count_added), (6, 6))
                self.assertTrue(self.certificate("РЗН 2021/14000"))
                # the weekly job takes the configured address; a missing file is logged, not raised
                self.env["ir.config_parameter"].set_param("medcrm_registry.url", f"{base}/missing.zip")
                failed = self.Import._cron_import()
                self.assertEqual(failed.state, "failed")
                self.assertIn("missing.zip", failed.error)
                self.env["ir.config_parameter"].set_param(
                    "medcrm_registry.url", f"{base}/data-20261101-structure-20121130.zip"
                )
                weekly = self.Import._cron_import()
                self.assertEqual((weekly.state, weekly.count_read), ("done", 8))
            finally:
                server.shutdown()
                server.server_close()

    def test_wizard_is_for_administrators(self):
        wizard = self.env["medcrm.registry.import.wizard"].create({"source": "url", "url": "ftp://example/x.zip"})
        with self.assertRaisesText(UserError, "http"):
            wizard.action_import()
        wizard = self.env["medcrm.registry.import.wizard"].with_user(self.user_head)
        with self.assertRaises(AccessError):
            wizard.create({"source": "url", "url": "http://127.0.0.1:9/x.zip"}).action_import()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
