"""The running server as integrators see it: XML-RPC on the Odoo 18.0 external API."""

from odoo.tests import HttpCase, tagged

MEDCRM_ADDONS = ["medcrm_needs", "medcrm_leads", "medcrm_1c_bridge", "medcrm_reports"]


@tagged("post_install", "-at_install")
class TestPlatform(HttpCase):
    def test_login_page_answers(self):
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)

    def test_xmlrpc_version_is_18(self):
        version = self.xmlrpc_common.version()
        self.assertEqual(version["server_serie"], "18.0")

    def test_four_addons_installed_seen_by_an_integrator(self):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "admin", "admin", {})
        self.assertTrue(uid)
        modules = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            uid,
            "admin",
            "ir.module.module",
            "search_read",
            [[("name", "in", MEDCRM_ADDONS)]],
            {"fields": ["name", "state"]},
        )
        self.assertEqual({m["name"]: m["state"] for m in modules}, dict.fromkeys(MEDCRM_ADDONS, "installed"))

    def test_demo_manager_logs_in_with_russian_interface(self):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "ivanova", "ivanova", {})
        self.assertTrue(uid)
        [user] = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, "ivanova", "res.users", "read", [[uid]], {"fields": ["lang"]}
        )
        self.assertEqual(user["lang"], "ru_RU")
