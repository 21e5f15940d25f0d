"""Bridge tests run against the 1C emulator, started in-process on a free port (no mock of requests)."""

import contextlib
import sys
from pathlib import Path

import requests

from odoo.addons.medcrm_needs.tests.common import MedcrmCase

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulator_1c.server import Config, EmulatorServer  # noqa: E402 - the emulator lives beside the addons

PRODUCTS = 120
PASSWORD = "s3cret-Пароль"  # noqa: S105 - the emulator's, in tests


class _Rollback(Exception):
    pass


class OnecCase(MedcrmCase):
    """A running emulator (УТ 11 profile, 120 products) and a connection to it."""

    emulator_profile = "ut11"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A database where `make run` already mirrored the emulator (same seed) must not disturb the tests:
        # the existing mirrors are detached inside the test transaction (rolled back afterwards).
        for table in (
            "product_template",
            "res_partner",
            "product_category",
            "uom_uom",
            "medcrm_manufacturer",
            "medcrm_analogue_group",
        ):
            cls.env.cr.execute(f"UPDATE {table} SET medcrm_1c_guid = NULL WHERE medcrm_1c_guid IS NOT NULL")  # noqa: S608
        cls.env.cr.execute("UPDATE product_template SET active = false WHERE medcrm_1c_version IS NOT NULL")
        cls.env.invalidate_all()
        cls.emulator = EmulatorServer(
            Config(port=0, products=PRODUCTS, seed=42, password=PASSWORD, profile=cls.emulator_profile)
        ).start()
        cls.addClassCleanup(cls.emulator.stop)
        cls.admin_http = requests.Session()
        cls.odata_http = requests.Session()
        cls.odata_http.auth = (b"odata", PASSWORD.encode())
        cls.connection = cls.env["medcrm.1c.connection"].create(
            {
                "name": "Эмулятор",
                "url": f"{cls.emulator.url}/medcrm",
                "username": "odata",
                "password": PASSWORD,
                "timeout": 10,
                "retries": 3,
                "backoff": 0.01,
                "page_size": 50,
                "preset": "unf" if cls.emulator_profile == "unf" else "ut11",
            }
        )

    @classmethod
    def rouble_company(cls):
        """A company keeping its books in roubles, as the customer does (Odoo's demo company is in dollars):
        1C's rouble prices are then taken as they are, with no conversion."""
        rub = cls.env.ref("base.RUB")
        rub.active = True
        return cls.env["res.company"].create({"name": "ООО «МедТест»", "currency_id": rub.id})

    def setUp(self):
        super().setUp()
        self.emu("faults", method="DELETE")
        self.emu("reset", products=PRODUCTS, seed=42)

    # --- the emulator's admin API and its OData, read directly (the oracle of the tests) ---------------------
    def emu(self, path, method="POST", **body):
        resp = self.admin_http.request(
            method, f"{self.emulator.url}/_emulator/{path}", json=body if method != "GET" else None, timeout=30
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        return resp.json()

    def odata(self, resource, method="GET", json=None, **params):
        params.setdefault("$format", "json")
        resp = self.odata_http.request(
            method, f"{self.emulator.url}/medcrm/odata/standard.odata/{resource}", params=params, json=json, timeout=30
        )
        self.assertLess(resp.status_code, 300, resp.text)
        return resp.json() if resp.content else None

    def onec_products(self):
        return self.odata("Catalog_Номенклатура", **{"$filter": "IsFolder eq false"})["value"]

    def fault(self, kind, count=1, **extra):
        self.emu("faults/next", kind=kind, count=count)
        if extra:
            self.emu("faults", merge=True, **extra)

    # --- the CRM side ----------------------------------------------------------------------------------------
    def mirrored(self):
        return self.env["product.template"].with_context(active_test=False).search([("medcrm_1c_guid", "!=", False)])

    def snapshot(self):
        """What the CRM holds of the catalogue, comparable between runs."""
        self.env.invalidate_all()
        return {
            p.medcrm_1c_guid: (
                p.name,
                p.default_code,
                p.categ_id.name,
                p.uom_id.name,
                p.medcrm_manufacturer_id.name,
                p.medcrm_registry_code,
                p.medcrm_analogue_group_id.name,
                p.medcrm_own_production,
                round(p.list_price, 2),
                p.medcrm_1c_stock_qty,
                p.active,
                len(p.with_context(active_test=False).product_variant_ids),
            )
            for p in self.mirrored()
        }

    def clean_snapshot(self):
        """The state a faultless full sync gives, taken inside a savepoint that is rolled back."""
        with contextlib.suppress(_Rollback), self.env.cr.savepoint():
            log = self.connection._medcrm_1c_sync_products(full=True)
            self.assertEqual(log.state, "done", log.message)
            state = self.snapshot()
            raise _Rollback
        self.env.invalidate_all()
        self.connection.invalidate_recordset()
        return state
