import xmlrpc.client

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import MedcrmNeedCase


class TestNeedAccessOrm(MedcrmNeedCase):
    """A manager sees only his own needs through every door of the ORM; the head sees all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own = cls._need(cls.user_manager, cls.hospital, cls.products[:3])
        cls.foreign = cls._need(cls.user_manager_2, cls.dealer, cls.products[:3])

    def test_search_counts_and_read_group(self):
        Need = self.env["medcrm.need"].with_user(self.user_manager)
        self.assertEqual(Need.search([]), self.own)
        self.assertEqual(Need.search_count([]), 1)
        groups = Need.read_group([], ["user_id"], ["user_id"])
        self.assertEqual([(g["user_id"][0], g["user_id_count"]) for g in groups], [(self.user_manager.id, 1)])
        Line = self.env["medcrm.need.line"].with_user(self.user_manager)
        self.assertEqual(Line.search([]).need_id, self.own)
        self.assertEqual(sum(g["__count"] for g in Line.read_group([], ["product_id"], ["product_id"], lazy=False)), 3)
        Head = self.env["medcrm.need"].with_user(self.user_head)
        self.assertEqual(Head.search([("id", "in", (self.own | self.foreign).ids)]), self.own | self.foreign)

    def test_form_export_and_chatter(self):
        self.user_manager.groups_id |= self.env.ref("base.group_allow_export")
        foreign = self.foreign.with_user(self.user_manager)
        with self.assertRaises(AccessError):
            foreign.read(["name"])
        with self.assertRaises(AccessError):
            foreign.export_data(["name", "line_ids/product_id"])
        with self.assertRaises(AccessError):
            foreign.write({"description": "<p>чужая</p>"})
        with self.assertRaises(AccessError):
            foreign.message_post(body="Комментарий в чужой потребности")
        with self.assertRaises(AccessError):
            self.foreign.line_ids[0].with_user(self.user_manager).read(["product_id"])
        own_export = self.own.with_user(self.user_manager).export_data(["name", "line_ids/product_id"])
        self.assertEqual(own_export["datas"][0][0], self.own.name)
        note = self.foreign.with_user(self.user_manager_2).message_post(
            body="Заметка Продажина", message_type="comment"
        )
        messages = (
            self.env["mail.message"]
            .with_user(self.user_manager)
            .search([("model", "=", "medcrm.need"), ("res_id", "=", self.foreign.id)])
        )
        self.assertNotIn(note, messages)
        # only the duplicate warning addressed to him is readable: it names the other need on purpose
        for message in messages:
            self.assertIn(self.user_manager.partner_id, message.sudo().notified_partner_ids)

    def test_warnings_follow_the_need(self):
        Duplicates = self.env["medcrm.need.duplicate"].with_user(self.user_manager)
        self.assertEqual(Duplicates.search([]).need_id, self.own)
        self.assertTrue(self.foreign.duplicate_warning_ids)
        with self.assertRaises(AccessError):
            self.foreign.duplicate_warning_ids.with_user(self.user_manager).read(["other_number"])

    def test_reports(self):
        Report = self.env["ir.actions.report"].with_user(self.user_manager)
        for report in ("medcrm_needs.action_report_medcrm_need", "medcrm_needs.action_report_medcrm_need_list"):
            with self.assertRaises(AccessError):
                Report._render_qweb_html(report, self.foreign.ids)
        html, __ = Report._render_qweb_html("medcrm_needs.action_report_medcrm_need", self.own.ids)
        self.assertIn(self.own.name, html.decode())

    def test_managers_cannot_touch_products(self):
        product = self.products[0]
        for user in (self.user_manager, self.user_head):
            with self.assertRaises(AccessError):
                product.with_user(user).write({"name": "Переименованный"})
            with self.assertRaises(AccessError):
                product.product_tmpl_id.with_user(user).write({"list_price": 1})
            with self.assertRaises(AccessError):
                self.env["product.template"].with_user(user).create({"name": "Новый товар"})
        admin = self.env.ref("base.user_admin")
        product.with_user(admin).write({"list_price": 99})
        self.assertEqual(product.list_price, 99)
        bridge = self._new_user("test_bridge", "Обмен с 1С", "medcrm_needs.group_medcrm_catalogue_editor")
        created = self.env["product.template"].with_user(bridge).create({"name": "Товар из 1С", "sale_ok": True})
        self.assertTrue(created.product_variant_id)


@tagged("post_install", "-at_install")
class TestNeedAccessXmlrpc(MedcrmNeedCase, HttpCase):
    """The same rules through the external API, as real users with their passwords."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own = cls._need(cls.user_manager, cls.hospital, cls.products[:3])
        cls.foreign = cls._need(cls.user_manager_2, cls.dealer, cls.products[:3])

    def _rpc(self, user, model, method, *args, **kwargs):
        kwargs.setdefault("context", {"lang": "ru_RU"})
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs)

    def test_manager_reads_only_his_needs(self):
        rows = self._rpc(self.user_manager, "medcrm.need", "search_read", [], fields=["name", "user_id"])
        self.assertEqual([r["name"] for r in rows], [self.own.name])
        self.assertEqual(self._rpc(self.user_manager, "medcrm.need", "search_count", []), 1)
        groups = self._rpc(self.user_manager, "medcrm.need", "read_group", [], ["user_id"], ["user_id"])
        self.assertEqual(sum(g["user_id_count"] for g in groups), 1)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "доступ"):
            self._rpc(self.user_manager, "medcrm.need", "read", [self.foreign.id], ["name"])
        with self.assertRaises(xmlrpc.client.Fault):
            self._rpc(self.user_manager, "medcrm.need", "export_data", [self.foreign.id], ["name"])
        with self.assertRaises(xmlrpc.client.Fault):
            self._rpc(self.user_manager, "medcrm.need", "write", [self.foreign.id], {"description": "x"})

    def test_head_reads_all(self):
        ids = (self.own | self.foreign).ids
        rows = self._rpc(self.user_head, "medcrm.need", "search_read", [("id", "in", ids)], fields=["name"])
        self.assertEqual(len(rows), 2)

    def test_duplicate_check_returns_plain_data(self):
        result = self._rpc(self.user_manager, "medcrm.need", "find_composition_duplicates", self.own.ids)
        self.assertEqual(len(result), 1)
        self.assertEqual(result[0]["need_number"], self.own.name)
        match = result[0]["matches"][0]
        self.assertEqual((match["kind"], match["id"], match["number"]), ("need", self.foreign.id, self.foreign.name))
        self.assertEqual(match["user_name"], self.user_manager_2.name)
        self.assertEqual(match["match_type"], "identical")
        self.assertEqual(match["overlap"], 100.0)
        # the manager may check only needs he may read
        with self.assertRaises(xmlrpc.client.Fault):
            self._rpc(self.user_manager, "medcrm.need", "find_composition_duplicates", self.foreign.ids)

    def test_create_with_bad_input_over_xmlrpc(self):
        with self.assertRaisesRegex(xmlrpc.client.Fault, "должен быть организацией"):
            self._rpc(
                self.user_manager,
                "medcrm.need",
                "create",
                {"partner_id": self.hospital_contact.id, "line_ids": [(0, 0, {"product_id": self.products[0].id})]},
            )
        with self.assertRaisesRegex(xmlrpc.client.Fault, "ведутся в 1С"):
            self._rpc(self.user_manager, "product.product", "create", {"name": "Товар вручную"})
