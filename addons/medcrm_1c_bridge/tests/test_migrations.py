import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def load(version, name):
    spec = importlib.util.spec_from_file_location(f"medcrm_1c_bridge_{name}", MIGRATIONS / version / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestMigrations(TransactionCase):
    def test_1_1_gives_mirrored_products_to_the_first_connection(self):
        """A database of 18.0.1.0.0 had unscoped mirrors: after -u each belongs to a connection."""
        first = self.env["medcrm.1c.connection"].create({"name": "A", "url": "http://a", "sequence": 1})
        self.env["medcrm.1c.connection"].create({"name": "B", "url": "http://b", "sequence": 2})
        mirrored = self.env["product.template"].create({"name": "Шприц 5 мл", "medcrm_1c_guid": "x-1"})
        own = self.env["product.template"].create({"name": "Товар CRM"})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_template SET medcrm_1c_connection_id = NULL WHERE medcrm_1c_guid IS NOT NULL"
        )
        load("18.0.1.1.0", "post-migrate").migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        # "A" comes first by sequence (the demo connection has the default 10).
        self.assertEqual(mirrored.medcrm_1c_connection_id, first)
        self.assertFalse(own.medcrm_1c_connection_id, "products made in the CRM stay without a connection")
        self.env.cr.execute(
            "SELECT count(*) FROM product_template WHERE medcrm_1c_guid IS NOT NULL AND medcrm_1c_connection_id IS NULL"
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
