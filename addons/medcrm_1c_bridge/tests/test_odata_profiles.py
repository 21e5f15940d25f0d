"""OData against each configuration: what the base publishes decides what is read, absent things warn.

The presets are checked against $metadata fixtures shaped like the real configurations' (tests/fixtures), and
a full exchange is run against the emulator in each OData profile (УТ 11, УНФ, БП 3); what the CRM then holds is
compared with an independent reading of the emulator (its own names, from emulator_1c/schema.py).
"""

from pathlib import Path

from odoo.tests import TransactionCase, tagged

from ..exchange import ExchangeError
from ..exchange.odata_metadata import parse_metadata
from ..exchange.records import is_guid
from .common import PRODUCTS, OnecCase, onec_profiles

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name):
    return parse_metadata((FIXTURES / f"metadata_{name}.xml").read_bytes())


@tagged("post_install", "-at_install")
class TestMetadataFixtures(TransactionCase):
    """The presets against the $metadata of each configuration: the bridge asks only for what is there."""

    def connection(self, preset):
        return self.env["medcrm.1c.connection"].create(
            {"name": preset, "url": "http://1c.invalid/base", "preset": preset}
        )

    def test_metadata_is_parsed_into_sets_and_properties(self):
        meta = fixture("ut11")
        items = meta["Catalog_Номенклатура"]
        self.assertTrue(items["folders"])
        self.assertIn("ЕдиницаИзмерения_Key", items["props"])
        self.assertEqual(items["tables"], ["ДополнительныеРеквизиты"])
        self.assertFalse(meta["Catalog_ВидыЦен"]["folders"], "a catalog without groups has no IsFolder")
        self.assertIn("ВидЦены_Key", meta["InformationRegister_ЦеныНоменклатуры_RecordType"]["props"])

    def test_each_preset_matches_its_configuration(self):
        labels = dict(self.env["medcrm.1c.field.mapping"]._fields["target"]._description_selection(self.env))
        expected = {
            # Real УТ 11 / КА 2 keep contact persons per partner (Catalog_КонтактныеЛицаПартнеров).
            "ut11": [
                self.env._(
                    "1C does not publish %(set)s (%(what)s): not read.",
                    set="Catalog_КонтактныеЛица",
                    what=self.env._("contact persons"),
                )
            ],
            "ka2": [
                self.env._(
                    "1C does not publish %(set)s (%(what)s): not read.",
                    set="Catalog_КонтактныеЛица",
                    what=self.env._("contact persons"),
                )
            ],
            # A stock УНФ has no РУ: the preset maps the requisites companies add, and the check says they are absent.
            "unf": [
                self.env._(
                    "%(set)s has no requisite %(prop)s (%(field)s): not read.",
                    set="Catalog_Номенклатура",
                    prop=prop,
                    field=labels[field],
                )
                for field, prop in (
                    ("registry_code", "РегистрационноеУдостоверение"),
                    ("registry_date", "ДатаРегистрацииРУ"),
                    ("registry_valid_until", "СрокДействияРУ"),
                )
            ],
            "bp3": [
                self.env._("No 1C object is configured for %(what)s: not read.", what=self.env._("stock balances"))
            ],
        }
        for preset, problems in expected.items():
            with self.subTest(preset=preset):
                connection = self.connection(preset)
                meta = fixture(preset)
                self.assertEqual(connection._medcrm_1c_check_metadata(meta), problems)
                # The prices register (its record type, where 1C publishes one) has the preset's price type dimension.
                table = f"{connection.prices_set}_RecordType"
                table = table if table in meta else connection.prices_set  # УНФ: an independent register
                self.assertIn(connection.price_kind_prop, meta[table]["props"])
                self.assertIn(connection.price_types_set, meta)

    def test_a_wrong_preset_is_told(self):
        connection = self.connection("ut11")
        problems = connection._medcrm_1c_check_metadata(fixture("bp3"))
        text = "\n".join(problems)
        for absent in ("Catalog_УпаковкиЕдиницыИзмерения", "Catalog_ВидыЦен", "AccumulationRegister_ТоварыНаСкладах"):
            self.assertIn(absent, text)
        self.assertIn("Catalog_КлассификаторЕдиницИзмерения", text, "the units catalog the base has is named")
        self.assertIn("Производитель_Key", text)

    def test_metadata_with_a_doctype_is_refused(self):
        body = (FIXTURES / "metadata_bp3.xml").read_bytes()
        hostile = body.replace(b"<edmx:Edmx", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<edmx:Edmx', 1)
        with self.assertRaises(ExchangeError) as caught:
            parse_metadata(hostile)
        self.assertEqual(caught.exception.code, "forbidden_xml")


class ProfileChecks:
    """Checks run against the emulator in each OData profile (a mixin of OnecCase subclasses)."""

    # Log states of a faultless full exchange: products, counterparties.
    expected_states = ("done", "done")

    @property
    def profile(self):
        return onec_profiles()[self.emulator_profile]

    # --- the oracle: the emulator read directly, with its own names ----------------------------------------------
    def onec_holds(self, price_type="Оптовая"):
        profile = self.profile
        items = self.odata("Catalog_Номенклатура", **{"$select": "Ref_Key,IsFolder"})["value"]
        [kind] = self.odata(profile.price_types, **{"$filter": f"Description eq '{price_type}'"})["value"]
        rows = self.odata("InformationRegister_ЦеныНоменклатуры/SliceLast()")[
            "value"
        ]  # the same in every configuration
        prices = [r for r in rows if r[profile.price_kind] == kind["Ref_Key"]]
        stock = 0.0
        if profile.stock:
            rows = self.odata(f"{profile.stock}/Balance()")["value"]
            stock = sum(r[f"{profile.stock_resource}Balance"] for r in rows)
        partners = self.odata("Catalog_Контрагенты", **{"$select": "Ref_Key,IsFolder"})["value"]
        return {
            "products": sum(not r["IsFolder"] for r in items),
            "prices": round(sum(r["Цена"] for r in prices), 2),
            "stock": stock,
            "partners": sum(not r["IsFolder"] for r in partners),
        }

    def crm_holds(self):
        self.env.invalidate_all()
        products = self.mirrored().filtered("active")
        partners = self.env["res.partner"].search([("medcrm_1c_guid", "!=", False), ("parent_id", "=", False)])
        return {
            "products": len(products),
            "prices": round(sum(products.mapped("list_price")), 2),
            "stock": sum(products.mapped("medcrm_1c_stock_qty")),
            "partners": len(partners),
        }

    def full_exchange(self):
        products = self.connection._medcrm_1c_sync_products(full=True)
        partners = self.connection._medcrm_1c_sync_partners()
        return products, partners

    # --- the checks ---------------------------------------------------------------------------------------------
    def test_test_connection_stores_what_1c_publishes(self):
        action = self.connection.action_test_connection()
        meta = self.connection._medcrm_1c_metadata()
        published = {row["name"] for row in self.odata("")["value"]}
        self.assertEqual(set(meta), published)
        self.assertTrue(self.connection.odata_metadata_date)
        self.assertEqual(self.connection.odata_set_count, len(published))
        self.assertTrue(meta["Catalog_Номенклатура"]["folders"])
        self.assertFalse(meta[self.profile.units]["folders"])
        self.assertIn(self.profile.price_types, meta)
        problems = self.connection._medcrm_1c_check_metadata(meta)
        self.assertEqual(action["params"]["type"], "warning" if problems else "success")
        self.assertEqual(bool(problems), self.profile.stock is None, problems)

    def test_full_sync_mirrors_what_1c_holds(self):
        self.connection.action_test_connection()
        products, partners = self.full_exchange()
        self.assertEqual((products.state, partners.state), self.expected_states, products.warnings or products.message)
        self.assertEqual(products.count_created, PRODUCTS)
        self.assertEqual(self.crm_holds(), self.onec_holds())
        uoms = self.mirrored().uom_id
        self.assertFalse([u.name for u in uoms if is_guid(u.name)], "no unit is named after a reference")

    def test_an_absent_optional_set_is_a_warning(self):
        self.connection.contacts_set = "Catalog_КонтактныеЛицаПартнеров"  # where УТ 11 keeps them, absent here
        for with_metadata in (False, True):
            with self.subTest(with_metadata=with_metadata):
                if with_metadata:
                    self.connection.action_test_connection()
                log = self.connection._medcrm_1c_sync_partners()
                self.assertEqual(log.state, "warning", log.message)
                self.assertIn("Catalog_КонтактныеЛицаПартнеров", log.warnings)
                self.assertEqual(self.crm_holds()["partners"], self.onec_holds()["partners"])

    def test_a_record_with_a_broken_reference_is_skipped_and_reported(self):
        self.connection.action_test_connection()
        store = self.emulator.emulator.store
        item = dict(store.all("Catalog_Номенклатура")[-1], Ref_Key="не-GUID-0001", Code="BROKEN-1")
        store.put("Catalog_Номенклатура", item)
        log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual((log.state, log.count_errors), ("partial", 1), log.message)
        self.assertIn("не-GUID-0001", log.line_ids.filtered(lambda entry: entry.level == "error").payload)
        self.assertEqual(len(self.mirrored()), PRODUCTS, "every other item arrived")

    def test_a_counterparty_with_a_broken_reference_is_skipped_and_reported(self):
        self.connection.action_test_connection()
        store = self.emulator.emulator.store
        partner = dict(store.all("Catalog_Контрагенты")[-1], Ref_Key="12345", ИНН="7700000000", КПП="770001001")
        store.put("Catalog_Контрагенты", partner)
        log = self.connection._medcrm_1c_sync_partners()
        self.assertEqual((log.state, log.count_errors), ("partial", 1), log.message)
        self.assertIn("12345", log.line_ids.filtered(lambda entry: entry.level == "error").payload)
        self.assertEqual(self.crm_holds()["partners"], self.onec_holds()["partners"] - 1, "every other one arrived")

    def test_an_unknown_price_type_warns_and_reads_no_prices(self):
        self.connection.action_test_connection()
        self.connection._medcrm_1c_sync_products(full=True)
        before = self.crm_holds()
        self.connection.price_type = "Закупочная"
        log = self.connection._medcrm_1c_sync_prices_stock()
        self.assertEqual(log.state, "warning", log.message)
        self.assertIn("Оптовая", log.warnings, "the price types 1C has are listed")
        self.assertEqual(self.crm_holds()["prices"], before["prices"], "no other type's prices instead")

    def test_the_price_type_is_chosen_by_its_reference_too(self):
        self.connection.action_test_connection()
        [retail] = self.odata(self.profile.price_types, **{"$filter": "Description eq 'Розничная'"})["value"]
        self.connection.price_type = retail["Ref_Key"].upper()
        self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(self.crm_holds()["prices"], self.onec_holds("Розничная")["prices"])

    def test_is_folder_is_asked_only_of_catalogs_with_groups(self):
        self.connection.action_test_connection()
        transport = self.connection._medcrm_1c_transport()
        self.addCleanup(transport.close)
        sent = []
        transport.pages = lambda resource, key="Ref_Key", **params: sent.append(params) or iter(())
        items = transport.meta["Catalog_Номенклатура"]
        props = [p for p in items["props"] if p not in ("IsFolder", "Parent_Key")]
        transport.meta["Catalog_Номенклатура"] = dict(items, props=props, folders=False)
        self.assertEqual(transport.product_groups(), [])
        list(transport.iter_products())
        transport.product_versions()
        self.assertTrue(sent)
        self.assertFalse([p for p in sent if "IsFolder" in p.get("$filter", "") + p.get("$select", "")])


@tagged("post_install", "-at_install")
class TestODataUt11(ProfileChecks, OnecCase):
    emulator_profile = "ut11"


@tagged("post_install", "-at_install")
class TestODataUnf(ProfileChecks, OnecCase):
    emulator_profile = "unf"


@tagged("post_install", "-at_install")
class TestODataBp3(ProfileChecks, OnecCase):
    emulator_profile = "bp3"
    # БП 3 has no quantitative stock register: the products run says so.
    expected_states = ("warning", "done")

    def test_bp3_reads_price_types_and_units_where_bp3_keeps_them(self):
        self.connection.action_test_connection()
        meta = self.connection._medcrm_1c_metadata()
        self.assertNotIn("Catalog_ВидыЦен", meta)
        self.assertNotIn("ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения", meta)
        products, _partners = self.full_exchange()
        self.assertIn(self.env._("stock balances"), products.warnings)
        item = self.odata("Catalog_Номенклатура", **{"$filter": "IsFolder eq false", "$top": "1"})["value"][0]
        unit = self.odata(f"Catalog_КлассификаторЕдиницИзмерения(guid'{item['ЕдиницаИзмерения_Key']}')")
        product = self.mirrored().filtered(lambda p: p.medcrm_1c_guid == item["Ref_Key"])
        self.assertEqual(product.uom_id.medcrm_1c_guid, unit["Ref_Key"])
