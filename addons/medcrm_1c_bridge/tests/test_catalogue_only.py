from odoo import Command, fields
from odoo.addons.medcrm_needs.tests.common import MedcrmNeedCase
from odoo.exceptions import ValidationError
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestCatalogueOnly(MedcrmNeedCase):
    """Once 1C sends the catalogue, a need asks only for products that came from it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["medcrm.1c.connection"].search([]).write({"active": False})
        cls.mirrored = cls.products[0]
        cls.mirrored.product_tmpl_id.medcrm_1c_guid = "0b1c0000-0000-0000-0000-000000000001"
        cls.hand_made = cls.products[1]

    def _connect(self, synced=True):
        return self.env["medcrm.1c.connection"].create(
            {
                "name": "1С для теста",
                "url": "http://127.0.0.1:9/medcrm",
                "username": "odata",
                "password": "x",
                "last_product_sync": fields.Datetime.now() if synced else False,
            }
        )

    def test_hand_made_product_refused_once_1c_sent_the_catalogue(self):
        self._connect()
        with self.assertRaisesText(ValidationError, "нет в каталоге 1С"):
            self._need(self.user_manager, self.hospital, self.hand_made)
        need = self._need(self.user_manager, self.hospital, self.mirrored)
        with self.assertRaisesText(ValidationError, "нет в каталоге 1С"):
            need.with_user(self.user_manager).write({"line_ids": [Command.create({"product_id": self.hand_made.id})]})
        with self.assertRaisesText(ValidationError, "нет в каталоге 1С"):
            need.line_ids.with_user(self.user_manager).write({"product_id": self.hand_made.id})
        self.assertEqual(need.line_ids.product_id, self.mirrored)

    def test_without_a_catalogue_from_1c_any_catalogue_product_goes(self):
        self._connect(synced=False)
        need = self._need(self.user_manager, self.hospital, self.hand_made)
        self.assertEqual(need.line_ids.product_id, self.hand_made)

    def test_official_names_from_1c_may_be_longer_than_typed_names(self):
        Partner = self.env["res.partner"].with_context(no_vat_validation=True, lang="ru_RU")
        official = "Государственное бюджетное учреждение здравоохранения " * 25  # ~1,350 characters
        partner = Partner.create({"name": "ГБУЗ", "is_company": True, "medcrm_1c_full_name": official})
        self.assertEqual(partner.medcrm_1c_full_name, official)
        with self.assertRaisesText(ValidationError, "не более 2000 символов"):
            partner.write({"medcrm_1c_full_name": official * 2})
        with self.assertRaisesText(ValidationError, "не более 500 символов"):
            partner.write({"name": official})
