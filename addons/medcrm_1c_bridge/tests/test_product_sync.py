from odoo.tests import tagged

from .common import PRODUCTS, OnecCase


@tagged("post_install", "-at_install")
class TestProductSync(OnecCase):
    """Products come from 1C: all mapped fields, idempotent full resync, incremental changes, deletion marks."""

    def test_full_sync_mirrors_every_field(self):
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual((log.count_read, log.count_created, log.count_errors), (PRODUCTS, PRODUCTS, 0))
        products = self.mirrored()
        self.assertEqual(len(products), PRODUCTS)
        self.assertEqual(len(products.product_variant_ids), PRODUCTS, "one variant per template, as create() makes")

        item = self.onec_products()[7]
        product = products.filtered(lambda p: p.medcrm_1c_guid == item["Ref_Key"])
        self.assertEqual(product.name, item["Description"])
        self.assertEqual(product.with_context(lang="ru_RU").name, item["Description"])
        self.assertEqual(product.default_code, item["Артикул"])
        self.assertEqual(product.medcrm_1c_code, item["Code"])
        self.assertEqual(product.medcrm_1c_version, item["DataVersion"])
        self.assertEqual(product.medcrm_1c_full_name, item["НаименованиеПолное"])
        folder = self.odata(f"Catalog_Номенклатура(guid'{item['Parent_Key']}')")
        self.assertEqual(product.categ_id.name, folder["Description"])
        self.assertEqual(product.categ_id.medcrm_1c_guid, folder["Ref_Key"])
        unit = self.odata(f"{self.connection.units_set}(guid'{item['ЕдиницаИзмерения_Key']}')")
        self.assertEqual(product.uom_id.medcrm_1c_guid, unit["Ref_Key"])
        maker = self.odata(f"Catalog_Производители(guid'{item['Производитель_Key']}')")
        self.assertEqual(product.medcrm_manufacturer_id.name, maker["Description"])
        props = {
            p["Ref_Key"]: p["Имя"]
            for p in self.odata("ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения")["value"]
        }
        values = {props[row["Свойство_Key"]]: row["Значение"] for row in item["ДополнительныеРеквизиты"]}
        self.assertEqual(product.medcrm_registry_code, values["РегистрационноеУдостоверение"])
        self.assertEqual(str(product.medcrm_registry_date), values["ДатаРегистрацииРУ"][:10])
        self.assertEqual(str(product.medcrm_registry_valid_until or ""), (values.get("СрокДействияРУ") or "")[:10])
        self.assertEqual(product.medcrm_own_production, values["СобственноеПроизводство"])
        self.assertEqual(product.medcrm_analogue_group_id.medcrm_1c_guid, values["ГруппаАналогов"])
        prices = self.odata(
            "InformationRegister_ЦеныНоменклатуры/SliceLast()",
            **{"$filter": f"Номенклатура_Key eq guid'{item['Ref_Key']}'"},
        )["value"]
        wholesale = self.odata("Catalog_ВидыЦен", **{"$filter": "Description eq 'Оптовая'"})["value"][0]["Ref_Key"]
        self.assertAlmostEqual(product.list_price, next(p["Цена"] for p in prices if p["ВидЦены_Key"] == wholesale))
        balance = self.odata(
            "AccumulationRegister_ТоварыНаСкладах/Balance()",
            **{"$filter": f"Номенклатура_Key eq guid'{item['Ref_Key']}'"},
        )["value"]
        self.assertEqual(product.medcrm_1c_stock_qty, sum(r["ВНаличииBalance"] for r in balance))
        # Analogues of different makers share the CRM analogue group, which the need duplicate check uses.
        groups = products.medcrm_analogue_group_id
        self.assertTrue(any(len(g.product_tmpl_ids.medcrm_manufacturer_id) > 1 for g in groups))

    def test_full_resync_is_idempotent(self):
        first = self.connection._medcrm_1c_sync_products(full=True)
        before = self.snapshot()
        again = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(again.state, "done", again.message)
        self.assertEqual((again.count_created, again.count_updated, again.count_unchanged), (0, 0, PRODUCTS))
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(len(self.mirrored()), first.count_created)

    def test_unchanged_resync_writes_nothing(self):
        self.connection._medcrm_1c_sync_products(full=True)
        self.env.flush_all()
        self.env.cr.execute("SELECT max(write_date) FROM product_template WHERE medcrm_1c_guid IS NOT NULL")
        [stamp] = self.env.cr.fetchone()
        self.connection._medcrm_1c_sync_products(full=True)
        self.env.cr.execute("SELECT max(write_date) FROM product_template WHERE medcrm_1c_guid IS NOT NULL")
        self.assertEqual(self.env.cr.fetchone()[0], stamp)

    def test_incremental_sync_takes_only_the_changes(self):
        self.connection._medcrm_1c_sync_products(full=True)
        changed = self.emu("products/mutate", count=5)["changed"]
        added = self.emu("products/add", count=2)["added"]
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual(log.mode, "incremental")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual((log.count_read, log.count_updated, log.count_created), (7, 5, 2))
        by_guid = {p.medcrm_1c_guid: p for p in self.mirrored()}
        self.assertEqual(len(by_guid), PRODUCTS + 2)
        for guid in changed + added:
            item = self.odata(f"Catalog_Номенклатура(guid'{guid}')")
            self.assertEqual(by_guid[guid].medcrm_1c_version, item["DataVersion"])
        # The changed prices came along (the emulator changes price and item together).
        prices = self.odata(
            "InformationRegister_ЦеныНоменклатуры/SliceLast()", **{"$filter": f"Номенклатура_Key eq guid'{changed[0]}'"}
        )["value"]
        self.assertIn(round(by_guid[changed[0]].list_price, 2), [round(p["Цена"], 2) for p in prices])
        # Nothing more to do: the next run reads nothing.
        again = self.connection._medcrm_1c_sync_products()
        self.assertEqual((again.count_read, again.count_updated), (0, 0))

    def test_incremental_sync_without_change_feed_compares_versions(self):
        self.connection.change_feed = False
        self.connection._medcrm_1c_sync_products(full=True)
        changed = self.emu("products/mutate", count=3)["changed"]
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual((log.mode, log.count_updated, log.count_created), ("incremental", 3, 0))
        versions = {p.medcrm_1c_guid: p.medcrm_1c_version for p in self.mirrored()}
        for guid in changed:
            self.assertEqual(versions[guid], self.odata(f"Catalog_Номенклатура(guid'{guid}')")["DataVersion"])

    def test_deletion_mark_archives_and_unmark_restores(self):
        self.connection._medcrm_1c_sync_products(full=True)
        [guid] = self.emu("products/delete-mark", count=1)["marked"]
        log = self.connection._medcrm_1c_sync_products()
        self.assertEqual(log.count_archived, 1)
        product = self.mirrored().filtered(lambda p: p.medcrm_1c_guid == guid)
        self.assertFalse(product.active)
        variants = (
            self.env["product.product"].with_context(active_test=False).search([("product_tmpl_id", "=", product.id)])
        )
        self.assertEqual(variants.mapped("active"), [False], "the variant is archived with its template")
        self.emu("products/delete-mark", keys=[guid], mark=False)
        self.connection._medcrm_1c_sync_products()
        self.assertTrue(product.active)

    def test_object_deleted_in_1c_is_archived(self):
        self.connection._medcrm_1c_sync_products(full=True)
        guid = self.onec_products()[3]["Ref_Key"]
        self.odata(f"Catalog_Номенклатура(guid'{guid}')", method="DELETE")
        self.connection._medcrm_1c_sync_products()
        self.assertFalse(self.mirrored().filtered(lambda p: p.medcrm_1c_guid == guid).active)
        # A full resync archives it too (it is no longer listed), and nothing else.
        self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(len(self.mirrored().filtered("active")), PRODUCTS - 1)

    def test_prices_and_stock_job(self):
        self.connection._medcrm_1c_sync_products(full=True)
        self.env.cr.execute(
            "UPDATE product_template SET list_price = 1, medcrm_1c_stock_qty = -1 WHERE medcrm_1c_guid IS NOT NULL"
        )
        self.env.invalidate_all()
        log = self.connection._medcrm_1c_sync_prices_stock()
        self.assertEqual((log.state, log.count_updated), ("done", PRODUCTS))
        self.assertTrue(all(p.list_price > 1 and p.medcrm_1c_stock_qty >= 0 for p in self.mirrored()))

    def test_existing_manufacturer_is_linked_not_duplicated(self):
        maker = self.env["medcrm.manufacturer"].search([("name", "=", "Hartmann")]) or self.env[
            "medcrm.manufacturer"
        ].create({"name": "Hartmann"})
        self.connection._medcrm_1c_sync_products(full=True)
        self.assertTrue(maker.medcrm_1c_guid)
        self.assertEqual(self.env["medcrm.manufacturer"].search_count([("name", "=", "Hartmann")]), 1)

    def test_unf_mapping_reads_the_certificate_from_requisites(self):
        self.connection.write({"preset": "unf"})
        self.connection.action_apply_preset()
        lines = self.connection.mapping_ids.filtered(lambda m: m.target == "registry_code")
        self.assertEqual((lines.source_kind, lines.source.split("|")[0]), ("requisite", "РегистрационноеУдостоверение"))
        self.assertEqual(self.connection.units_set, "Catalog_КлассификаторЕдиницИзмерения")

    def test_a_broken_item_does_not_stop_the_catalogue(self):
        item = self.onec_products()[0]
        # A NUL character: 1C stores it, PostgreSQL refuses it. The batch holding it is replayed item by item.
        self.odata(f"Catalog_Номенклатура(guid'{item['Ref_Key']}')", method="PATCH", json={"Артикул": "A\u0000B"})
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "partial")
        self.assertEqual((log.count_created, log.count_errors), (PRODUCTS - 1, 1))
        self.assertEqual(log.line_ids.guid, item["Ref_Key"])
        self.assertIn(item["Ref_Key"], log.line_ids.payload)
        self.assertNotIn(item["Ref_Key"], self.mirrored().mapped("medcrm_1c_guid"), "nothing half-written")
        self.assertEqual(len(self.mirrored().product_variant_ids), PRODUCTS - 1)
