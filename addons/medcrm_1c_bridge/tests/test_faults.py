from odoo.tests import tagged

from .common import PRODUCTS, OnecCase


@tagged("post_install", "-at_install")
class TestFaults(OnecCase):
    """Whatever the emulator injects, the final state after retries equals a clean sync."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.page_size = 40  # several pages, so faults land in the middle of a run

    def setUp(self):
        super().setUp()
        self.clean = self.clean_snapshot()
        self.assertEqual(len(self.clean), PRODUCTS)

    def assert_like_clean_sync(self, kind, count):
        self.fault(kind, count, hang_seconds=11)
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "done", f"{kind}: {log.message}")
        self.assertEqual(log.count_errors, 0)
        self.assertGreater(log.count_requests, count, "the failed calls were retried")
        self.assertEqual(self.snapshot(), self.clean, f"{kind}: nothing lost, nothing duplicated")
        self.assertEqual(self.emu("faults", method="GET")["injected"][kind], count)

    def test_http_500(self):
        self.assert_like_clean_sync("error500", 2)

    def test_http_503_with_retry_after(self):
        self.emu("faults", retry_after=0)
        self.assert_like_clean_sync("error503", 2)

    def test_dropped_connection(self):
        self.assert_like_clean_sync("drop", 3)

    def test_truncated_json(self):
        self.assert_like_clean_sync("truncate", 3)

    def test_mangled_guids(self):
        self.assert_like_clean_sync("bad_guid", 2)

    def test_timeout(self):
        # Odoo's test mode raises client timeouts below 10 s to 10 s: one hang costs 10 s here.
        self.assert_like_clean_sync("timeout", 1)

    def test_random_faults_over_a_whole_run(self):
        self.emu("faults", seed=3, error500=0.08, drop=0.05, truncate=0.05, bad_guid=0.05, retry_after=0)
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "done", log.message)
        injected = sum(self.emu("faults", method="GET")["injected"].values())
        self.assertGreater(injected, 0)
        self.assertEqual(self.snapshot(), self.clean)

    def test_failure_after_all_retries_is_logged_and_harmless(self):
        self.fault("error500", 50)
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "failed")
        self.assertIn("500", log.message)
        self.assertEqual(log.count_requests, self.connection.retries + 1)
        self.assertFalse(self.mirrored())
        # The next run, 1C being back, gives the clean state.
        self.emu("faults", method="DELETE")
        self.assertEqual(self.connection._medcrm_1c_sync_products(full=True).state, "done")
        self.assertEqual(self.snapshot(), self.clean)

    def test_incremental_after_faults_catches_up(self):
        self.connection._medcrm_1c_sync_products(full=True)
        changed = self.emu("products/mutate", count=4)["changed"]
        self.fault("drop", 1)
        self.fault("truncate", 1)
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual((log.state, log.count_updated), ("done", 4))
        versions = {p.medcrm_1c_guid: p.medcrm_1c_version for p in self.mirrored()}
        for guid in changed:
            self.assertEqual(versions[guid], self.odata(f"Catalog_Номенклатура(guid'{guid}')")["DataVersion"])
