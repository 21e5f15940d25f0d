import uuid

import requests

from odoo.tests import tagged

from ..exchange.odata import MAX_URL, keys_filter
from .common import PRODUCTS, OnecCase


@tagged("post_install", "-at_install")
class TestIncrementalSync(OnecCase):
    """An incremental run asks 1C only for what changed, in as few requests as the URL limit allows."""

    def setUp(self):
        super().setUp()
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "done", log.message)
        self.by_guid = {p.medcrm_1c_guid: p for p in self.mirrored()}

    def test_known_references_cost_no_request(self):
        changed = self.emu("products/mutate", count=5)["changed"]
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual((log.mode, log.state, log.count_updated), ("incremental", "done", 5), log.message)
        # The change feed, the price type, the additional attributes (to parse the items), then one request
        # each for the items, their prices and their stock: no unit, manufacturer or analogue group is read.
        self.assertEqual(log.count_requests, 6)
        for guid in changed:
            [price] = self.odata(
                "InformationRegister_ЦеныНоменклатуры/SliceLast()",
                **{"$filter": f"Номенклатура_Key eq guid'{guid}' and ВидЦены_Key eq guid'{self.wholesale()}'"},
            )["value"]
            self.assertAlmostEqual(self.by_guid[guid].list_price, price["Цена"])

    def test_a_new_manufacturer_is_read_when_an_item_points_to_it(self):
        maker = self.odata(
            "Catalog_Производители",
            method="POST",
            json={"Description": "Завод Медтехника-Юг", "НаименованиеПолное": "АО «Медтехника-Юг»", "Страна": "РОССИЯ"},
        )
        guid = next(iter(self.by_guid))
        self.odata(f"Catalog_Номенклатура(guid'{guid}')", method="PATCH", json={"Производитель_Key": maker["Ref_Key"]})
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual((log.state, log.count_updated), ("done", 1), log.message)
        product = self.by_guid[guid]
        self.assertEqual(product.medcrm_manufacturer_id.name, "Завод Медтехника-Юг")
        self.assertEqual(product.medcrm_manufacturer_id.medcrm_1c_guid, maker["Ref_Key"])

    def test_a_reference_catalog_that_cannot_be_read_fails_the_run_not_the_items(self):
        maker = self.odata("Catalog_Производители", method="POST", json={"Description": "Завод без ответа"})
        guid = next(iter(self.by_guid))
        version = self.by_guid[guid].medcrm_1c_version
        self.odata(f"Catalog_Номенклатура(guid'{guid}')", method="PATCH", json={"Производитель_Key": maker["Ref_Key"]})
        self.emu("faults", scope="Catalog_Производители", error500=1.0, retry_after=0)
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual((log.state, log.count_updated), ("failed", 0))
        self.assertIn("500", log.message)
        # The run's error (with 1C's answer) is logged once, not as an error of every item.
        self.assertEqual(log.count_errors, 1)
        self.assertFalse(log.line_ids.guid)
        self.assertEqual(self.by_guid[guid].medcrm_1c_version, version, "nothing half-written")
        # 1C answers again: the next run takes the same change (the feed position did not move).
        self.emu("faults", method="DELETE")
        again = self.connection._medcrm_1c_sync_products()
        self.assertEqual((again.state, again.count_updated), ("done", 1), again.message)
        self.assertEqual(self.by_guid[guid].medcrm_manufacturer_id.name, "Завод без ответа")

    def test_variant_is_written_only_when_its_fields_change(self):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_product SET write_date = '2000-01-01' WHERE product_tmpl_id = ANY(%s)",
            [[p.id for p in self.by_guid.values()]],
        )
        self.env.invalidate_all()
        renamed, priced = list(self.by_guid)[:2]
        self.odata(f"Catalog_Номенклатура(guid'{renamed}')", method="PATCH", json={"Артикул": "НОВ-АРТ-001"})
        self.emu("products/mutate", count=PRODUCTS)  # every item gets a new price (and a comment)
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual((log.state, log.count_updated), ("done", PRODUCTS), log.message)
        variant = self.by_guid[renamed].product_variant_id
        self.assertEqual(variant.default_code, "НОВ-АРТ-001")
        self.assertNotEqual(str(variant.write_date)[:4], "2000")
        self.assertEqual(str(self.by_guid[priced].product_variant_id.write_date)[:4], "2000")

    def test_many_changes_take_as_few_requests_as_the_url_limit_allows(self):
        changed = self.emu("products/mutate", count=100)["changed"]
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual((log.state, log.count_updated), ("done", 100), log.message)
        # A Ref_Key condition takes 61 bytes of URL: the 100 items fit one request. A Номенклатура_Key one,
        # Cyrillic, takes 130: prices and stock take two requests each. Plus the feed, price type, attributes.
        self.assertEqual(log.count_requests, 3 + 1 + 2 + 2)
        prices = self.connection._medcrm_1c_transport().prices()
        for guid in changed:
            self.assertAlmostEqual(self.by_guid[guid].list_price, prices[guid])

    def test_key_batches_fill_the_url_limit(self):
        transport = self.connection._medcrm_1c_transport()
        self.addCleanup(transport.close)
        # More keys than two requests hold: the CRM's and made-up ones (only the URLs are looked at).
        keys = sorted(self.by_guid) + sorted(str(uuid.UUID(int=n * 7919 + 1)) for n in range(300))
        for resource, prop in (
            ("Catalog_Номенклатура", "Ref_Key"),
            ("AccumulationRegister_ТоварыНаСкладах/Balance()", "Номенклатура_Key"),
        ):
            sent = []
            transport.values = lambda resource, key, _sent=sent, **params: _sent.append(params) or []
            list(transport.by_keys(resource, keys, prop, **{"$select": prop}))
            self.assertEqual(sum(params["$filter"].count(" or ") + 1 for params in sent), len(keys))
            for params in sent:
                url = requests.Request("GET", transport._url(resource), params=dict(params, **{"$format": "json"}))
                self.assertLessEqual(len(url.prepare().url), MAX_URL)
            batch = sent[0]["$filter"].count(" or ") + 1
            fuller = dict(sent[0], **{"$filter": keys_filter(prop, keys[: batch + 1]), "$format": "json"})
            url = requests.Request("GET", transport._url(resource), params=fuller).prepare().url
            self.assertGreater(len(url), MAX_URL, f"{prop}: one key more would not fit")
            self.assertLess(len(sent), 1 + len(keys) // 50, f"{prop}: batches of dozens of keys")

    def test_a_server_with_a_shorter_limit_gets_the_keys_in_halves(self):
        transport = self.connection._medcrm_1c_transport()
        self.addCleanup(transport.close)
        transport.max_url = 4 * MAX_URL  # we believe the server takes 32 KB; the emulator, like Apache, 8 KB
        everything = transport.stock()
        keys = sorted(self.by_guid)
        before = transport.http.attempts
        stock = transport.stock(keys)
        self.assertEqual(stock, {k: v for k, v in everything.items() if k in keys})
        self.assertGreater(transport.http.attempts - before, 2, "refused with 414, then asked again in parts")

    def wholesale(self):
        return self.odata("Catalog_ВидыЦен", **{"$filter": "Description eq 'Оптовая'"})["value"][0]["Ref_Key"]
