import logging

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PASSWORD, OnecCase


@tagged("post_install", "-at_install")
class TestSecurity(OnecCase):
    """Mirrors are read-only for managers; the bridge and its log belong to administrators."""

    def setUp(self):
        super().setUp()
        self.connection._medcrm_1c_sync_partners()
        self.mirror = self.env["res.partner"].search(
            [("medcrm_1c_guid", "!=", False), ("parent_id", "=", False)], limit=1
        )

    def test_manager_cannot_change_what_1c_keeps(self):
        partner = self.mirror.with_user(self.user_manager)
        for vals in ({"name": "Другое имя"}, {"vat": "7707083893"}, {"street": "Другой адрес"}, {"active": False}):
            with self.assertRaises(AccessError):
                partner.write(vals)
        with self.assertRaises(AccessError):
            partner.unlink()
        contact = self.mirror.child_ids[:1].with_user(self.user_manager)
        with self.assertRaises(AccessError):
            contact.write({"email": "new@example.ru"})

    def test_manager_keeps_working_on_crm_fields_and_new_counterparties(self):
        partner = self.mirror.with_user(self.user_manager)
        partner.write({"comment": "<p>Звонить после обеда</p>", "name": self.mirror.name})  # same name: no change
        self.assertIn("обеда", self.mirror.comment)
        new = (
            self.env["res.partner"]
            .with_user(self.user_manager)
            .create({"name": "ООО «Из лида»", "is_company": True, "medcrm_export_to_1c": True})
        )
        new.write({"name": "ООО «Из лида» (уточнено)"})
        self.assertTrue(new.medcrm_export_to_1c)

    def test_admin_may_correct_a_mirror(self):
        self.mirror.with_user(self.env.ref("base.user_admin")).write({"phone": "+7 495 000-00-00"})
        self.assertEqual(self.mirror.phone, "+7 495 000-00-00")

    def test_bridge_models_are_for_administrators(self):
        for model in (
            "medcrm.1c.connection",
            "medcrm.1c.sync.log",
            "medcrm.1c.sync.log.line",
            "medcrm.1c.field.mapping",
        ):
            for user in (self.user_manager, self.user_head):
                with self.assertRaises(AccessError, msg=f"{model} for {user.login}"):
                    self.env[model].with_user(user).search([])
        admin = self.env.ref("base.user_admin")
        self.assertTrue(self.env["medcrm.1c.sync.log"].with_user(admin).search([]))
        self.assertEqual(self.connection.with_user(admin).password, PASSWORD)

    def test_credentials_are_never_logged(self):
        self.connection.password = "wrong-" + PASSWORD
        with self.assertLogs("odoo.addons.medcrm_1c_bridge", level=logging.DEBUG) as logs:
            logging.getLogger("odoo.addons.medcrm_1c_bridge").debug("capture")
            log = self.connection._medcrm_1c_sync_products(full=True)
        self.assertEqual(log.state, "failed")
        self.assertIn("401", log.message)
        text = "\n".join(logs.output) + log.message + "".join(log.line_ids.mapped("payload"))
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn("odata:", text)

    def test_bridge_writes_the_read_only_catalogue(self):
        """The catalogue is read-only for managers; the bridge writes it as superuser whoever starts the run."""
        admin = self.env.ref("base.user_admin")
        self.assertFalse(admin.has_group("medcrm_needs.group_medcrm_catalogue_editor"))
        log = self.connection.with_user(admin)._medcrm_1c_sync_products(full=True)
        self.assertEqual((log.state, log.count_errors), ("done", 0), log.message)
        product = self.env["product.template"].search([("medcrm_1c_guid", "!=", False)], limit=1)
        self.assertTrue(product)
        with self.assertRaises(AccessError):
            product.with_user(self.user_manager).write({"name": "Переименован менеджером"})
        with self.assertRaises(AccessError):
            self.env["product.template"].with_user(self.user_manager).create({"name": "Товар менеджера"})
        # a change in 1C reaches the read-only mirror
        changed = self.emu("products/mutate", count=3)["changed"]
        log = self.connection.with_user(admin)._medcrm_1c_sync_products()
        self.assertEqual((log.state, log.count_updated), ("done", 3), log.message)
        self.assertEqual(len(self.env["product.template"].search([("medcrm_1c_guid", "in", changed)])), 3)
