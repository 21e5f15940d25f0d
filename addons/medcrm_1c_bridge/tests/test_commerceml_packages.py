"""CommerceML packages in the shapes real 1C bases write (2.03 … 2.10), read through a connection.

The oracle is ``cml_count.count_package``: an independent reading of the files (ElementTree, written from
the format, not from the bridge). For every package, what the files hold equals what the mirror holds, after
a full sync and again after the next one. Bad or partial packages destroy nothing.
"""

import shutil
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from odoo.tests import tagged

from .cml_count import count_package
from .common import OnecCase

DATA = Path(__file__).resolve().parent / "data" / "commerceml"
# Each shape and the price type its 1C base sells with.
SHAPES = {
    "v203": "Розничная",
    "v205_cp1251": "Оптовая",
    "v207_characteristics": "Розничная цена",
    "v210_split": "Розничная",
    "localized": "Роздрібна",
}
# Roubles per unit of the package's currency, by the rates the tests give (the hryvnia: 2 roubles).
FACTOR = {"localized": 2.0}


@tagged("post_install", "-at_install")
class TestCommerceMLPackages(OnecCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A rate for the hryvnia, so the Ukrainian package's prices convert (Odoo ships UAH inactive).
        uah = cls.env.ref("base.UAH")
        uah.active = True
        cls.rub = cls.rouble_company()
        cls.env["res.currency.rate"].create(
            {"currency_id": uah.id, "rate": 0.5, "name": "2020-01-01", "company_id": cls.rub.id}
        )

    def package(self, shape, price_type=None, url=None, **extra):
        return (
            self.env["medcrm.1c.connection"]
            .create(
                {
                    "name": f"CML {shape}",
                    "transport": "commerceml",
                    "url": str(url or DATA / shape),
                    "price_type": price_type or SHAPES.get(shape, "Розничная"),
                    **extra,
                }
            )
            .with_company(self.rub)
        )

    def templates(self, connection, active=True):
        domain = [("medcrm_1c_connection_id", "=", connection.id)]
        if active is not None:
            domain.append(("active", "=", active))
        return self.env["product.template"].with_context(active_test=False).search(domain)

    def sync(self, connection, states=("done", "warning", "partial")):
        self.env.invalidate_all()
        log = connection._medcrm_1c_sync_products(full=True)
        self.assertIn(log.state, states, log.message or log.line_ids.mapped("message"))
        self.env.invalidate_all()
        return log

    def assert_mirror(self, connection, counted, price_type, factor=1.0):
        templates = self.templates(connection)
        self.assertEqual(len(templates), counted["products"], "one product per valid, undeleted Товар")
        variants = templates.with_context(active_test=False).product_variant_ids.filtered("medcrm_1c_characteristic")
        self.assertEqual(len(variants.filtered("active")), counted["variants"], "one variant per characteristic")
        by_key = {v.medcrm_1c_characteristic: v for v in variants}
        by_guid = {t.medcrm_1c_guid: t for t in templates}
        checked = 0
        for ident, price in counted["prices"].get(price_type, {}).items():
            offer = ident.lower()
            guid = offer.split("#", 1)[0]
            if guid not in by_guid:
                continue
            if "#" in offer:
                self.assertAlmostEqual(by_key[offer].lst_price, float(price) * factor, places=2, msg=offer)
            else:
                self.assertAlmostEqual(by_guid[guid].list_price, float(price) * factor, places=2, msg=offer)
            checked += 1
        self.assertTrue(checked or not counted["prices"], "prices were compared")
        stock = {k.lower(): float(v) for k, v in counted["stock"].items()}
        mirrored = sum(templates.mapped("medcrm_1c_stock_qty"))
        expected = sum(q for k, q in stock.items() if k.split("#", 1)[0] in by_guid)
        self.assertAlmostEqual(mirrored, expected, places=3)
        for key, variant in by_key.items():
            if variant.active:
                self.assertAlmostEqual(variant.medcrm_1c_stock_qty, stock.get(key, 0.0), places=3, msg=key)
        categories = self.env["product.category"].search(
            [("id", "child_of", connection.category_id.id), ("medcrm_1c_guid", "!=", False)]
        )
        self.assertEqual(len(categories), counted["groups"])
        services = templates.filtered(lambda t: t.type == "service")
        self.assertEqual(len(services), counted["services"])

    def test_every_shape_mirrors_what_its_files_hold(self):
        for shape, price_type in SHAPES.items():
            with self.subTest(shape=shape):
                counted = count_package(DATA / shape)
                connection = self.package(shape)
                first = self.sync(connection)
                self.assertIn(counted["versions"].pop(), first.source_info)
                factor = FACTOR.get(shape, 1.0)
                self.assert_mirror(connection, counted, price_type, factor)
                self.assertEqual(first.count_variants, counted["variants"])
                again = self.sync(connection)
                self.assertEqual((again.count_created, again.count_updated), (0, 0), shape)
                self.assert_mirror(connection, counted, price_type, factor)

    def test_zipped_package_with_numbered_parts(self):
        folder = DATA / "v210_zip"
        target = Path(tempfile.mkdtemp(prefix="medcrm_zip_"))
        self.addCleanup(shutil.rmtree, target, True)
        archive = target / "export.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    out.write(path, path.relative_to(folder))
        counted = count_package(archive)
        connection = self.package("v210_zip", url=archive)
        self.sync(connection)
        self.assert_mirror(connection, counted, "Розничная")

    def test_characteristics_are_variants_odoo_would_make(self):
        connection = self.package("v207_characteristics")
        self.sync(connection)
        attribute = self.env.ref("medcrm_1c_bridge.product_attribute_characteristic")
        for template in self.templates(connection).filtered(lambda t: t.product_variant_count > 1):
            before = template.product_variant_ids
            self.assertEqual(template.attribute_line_ids.attribute_id, attribute)
            template._create_variant_ids()  # what Odoo itself would do: nothing left to create or remove
            self.assertEqual(template.product_variant_ids, before)
            names = before.product_template_attribute_value_ids.mapped("name")
            self.assertEqual(len(names), len(set(names)))

    def test_malformed_record_is_skipped_and_reported(self):
        connection = self.package("v210_split")
        log = self.sync(connection, states=("partial",))
        self.assertTrue(any("МЦ-000123" in (line.message + (line.payload or "")) for line in log.line_ids))
        self.assertEqual(len(self.templates(connection)), count_package(DATA / "v210_split")["products"])

    def test_vat_barcodes_units(self):
        counted = count_package(DATA / "v210_split")
        connection = self.package("v210_split")
        self.sync(connection)
        templates = self.templates(connection, active=None)
        by_guid = {t.medcrm_1c_guid: t for t in templates}
        for ident, rate in counted["vat"].items():
            template = by_guid.get(ident.lower())
            if not template:
                continue
            if rate.replace("%", "").strip().replace(",", ".").replace(".", "", 1).isdigit():
                self.assertEqual(template.taxes_id.mapped("amount"), [float(rate.replace(",", "."))], ident)
            else:
                self.assertFalse(template.taxes_id, ident)
        variants = templates.with_context(active_test=False).product_variant_ids
        compared = 0
        for key, code in counted["barcodes"].items():
            ident = key.lower()
            if "#" in ident:
                owner = variants.filtered(lambda v, i=ident: v.medcrm_1c_characteristic == i)
            elif ident in by_guid and by_guid[ident].product_variant_count == 1:
                owner = by_guid[ident].product_variant_ids
            else:
                continue
            self.assertEqual(owner.barcode, code, ident)
            compared += 1
        self.assertTrue(compared)
        # Units by their ОКЕИ code: never a unit named by a code; the piece is Odoo's own.
        units = templates.uom_id
        self.assertIn(self.env.ref("uom.product_uom_unit"), units)
        self.assertFalse(units.filtered(lambda u: u.name.strip().isdigit()))
        self.package("v205_cp1251")._medcrm_1c_sync_products(full=True)  # the same units again, another base
        for code, name in (("778", "Упаковка"), ("715", "Пара")):
            made = self.env["uom.uom"].with_context(active_test=False).search([("medcrm_1c_okei", "=", code)])
            self.assertEqual(made.mapped("name"), [name], "one unit per code, named by its full name")

    def test_nothing_readable_archives_nothing(self):
        connection = self.package("v210_split")
        self.sync(connection)
        active = self.templates(connection)
        connection.url = str(DATA / "v210_empty")
        log = connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "failed")
        self.assertIn("no readable product", log.with_context(lang="en_US").message)
        self.env.invalidate_all()
        self.assertEqual(self.templates(connection), active, "nothing archived")

    def _package_without(self, shape, count):
        """A copy of ``shape`` with the first ``count`` products removed from its catalogue."""
        target = Path(tempfile.mkdtemp(prefix="medcrm_cut_"))
        self.addCleanup(shutil.rmtree, target, True)
        shutil.copytree(DATA / shape, target / shape)
        path = target / shape / "import.xml"
        tree = etree.parse(str(path))
        for item in list(tree.getroot().iter("{*}Товар"))[:count]:
            item.getparent().remove(item)
        tree.write(str(path), encoding="UTF-8", xml_declaration=True)
        return target / shape

    def test_large_archive_waits_for_confirmation(self):
        connection = self.package("v203", archive_threshold=10.0)
        self.sync(connection)
        active = self.templates(connection)
        self.assertEqual(len(active), 8)
        connection.url = str(self._package_without("v203", 3))
        log = connection._medcrm_1c_sync_products(full=True)
        self.assertEqual((log.state, log.count_pending, log.count_archived), ("awaiting", 3, 0))
        self.env.invalidate_all()
        self.assertEqual(self.templates(connection), active, "nothing archived before confirmation")
        log.action_discard_archive()
        self.assertEqual(log.state, "discarded")
        self.assertEqual(self.templates(connection), active)

        again = connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(again.state, "awaiting")
        again.action_confirm_archive()
        self.env.invalidate_all()
        self.assertEqual((again.state, again.count_archived), ("done", 3))
        self.assertEqual(len(self.templates(connection)), 5)

    def test_small_archive_goes_through(self):
        connection = self.package("v203", archive_threshold=20.0)
        self.sync(connection)
        connection.url = str(self._package_without("v203", 1))
        log = self.sync(connection)
        self.assertEqual(log.count_archived, 1)
        self.assertEqual(len(self.templates(connection)), 7)

    def test_two_connections_never_touch_each_other(self):
        first = self.package("v203")
        self.sync(first)
        mine = self.templates(first)
        prices = {t.id: (t.list_price, t.medcrm_1c_stock_qty) for t in mine}
        second = self.package("v205_cp1251")
        self.sync(second)
        # The same files read by a third connection: the products stay the first one's.
        twin = self.package("v203", name="Twin")
        log = self.sync(twin)
        self.assertEqual(log.count_created, 0)
        self.assertTrue(log.line_ids.filtered(lambda line: line.level == "warning"))
        self.env.invalidate_all()
        self.assertEqual(self.templates(first), mine)
        self.assertEqual({t.id: (t.list_price, t.medcrm_1c_stock_qty) for t in mine}, prices)
        self.assertEqual(len(self.templates(second)), count_package(DATA / "v205_cp1251")["products"])
        self.assertFalse(self.templates(twin))

    def test_missing_price_type_warns_and_writes_no_price(self):
        connection = self.package("v210_split", price_type="Закупочная")
        log = self.sync(connection, states=("partial", "warning"))
        warning = log.line_ids.filtered(lambda line: line.level == "warning" and "Закупочная" in line.message)
        self.assertTrue(warning)
        self.assertIn("Розничная", warning.message)
        self.assertIn("Дилерская (USD)", warning.message)
        self.assertEqual(set(self.templates(connection).mapped("list_price")), {1.0}, "no price taken silently")

    def test_price_type_by_reference_and_currency_converted(self):
        counted = count_package(DATA / "v210_split")
        usd_type = next(i for i, t in counted["price_types"].items() if t["currency"] == "USD")
        usd = self.env.ref("base.USD")
        self.env["res.currency.rate"].search([("currency_id", "=", usd.id), ("company_id", "=", self.rub.id)]).unlink()
        self.env["res.currency.rate"].create(
            {"currency_id": usd.id, "rate": 0.01, "name": "2020-01-01", "company_id": self.rub.id}
        )
        connection = self.package("v210_split", price_type=usd_type)
        self.sync(connection)
        templates = {t.medcrm_1c_guid: t for t in self.templates(connection)}
        for offer, price in counted["prices"]["Дилерская (USD)"].items():
            if "#" not in offer and offer.lower() in templates:
                self.assertAlmostEqual(templates[offer.lower()].list_price, float(price) * 100, places=1)
