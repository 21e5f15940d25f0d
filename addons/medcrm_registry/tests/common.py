import io
import zipfile
from pathlib import Path

from odoo.addons.medcrm_needs.tests.common import MedcrmCase

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name):
    return (FIXTURES / name).read_bytes()


def zipped(name, member=None):
    """The fixture as the register is published: a zip holding the CSV."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member or name, fixture_bytes(name))
    return buffer.getvalue()


class RegistryCase(MedcrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a database where the register was imported (make run) must not disturb the tests
        cls.env.cr.execute("DELETE FROM medcrm_registry_product_check")
        cls.env.cr.execute("DELETE FROM medcrm_registry_certificate")
        cls.env.invalidate_all()
        cls.Import = cls.env["medcrm.registry.import"]
        Maker = cls.env["medcrm.manufacturer"]
        cls.medprom = Maker.create({"name": "Медпром-Тест"})
        cls.medplast = Maker.create({"name": "Медпласт Тест"})

    def import_fixture(self, name, as_zip=False):
        content = zipped(name) if as_zip else fixture_bytes(name)
        return self.Import._import_file(io.BytesIO(content), name)

    @classmethod
    def make_product(cls, code, maker=None, name=None):
        return cls.env["product.product"].create(
            {
                "name": name or f"Изделие {code}",
                "type": "consu",
                "sale_ok": True,
                "list_price": 100.0,
                "medcrm_registry_code": code,
                "medcrm_manufacturer_id": maker.id if maker else False,
            }
        )
