from .common import MedcrmNeedCase


class TestNeedReports(MedcrmNeedCase):
    """PDF reports: one need with registry codes, and the list of needs (all, open, closed, selected)."""

    def _render(self, xmlid, records, data=None):
        html, kind = (
            self.env["ir.actions.report"]
            .with_user(self.user_manager)
            .with_context(lang="ru_RU")
            ._render_qweb_html(xmlid, records.ids, data=data)
        )
        self.assertEqual(kind, "html")
        return html.decode()

    def test_one_need(self):
        need = self._need(self.user_manager, self.hospital, self.products[:2], contact_id=self.hospital_contact.id)
        html = self._render("medcrm_needs.action_report_medcrm_need", need)
        for text in (need.name, self.hospital.name, "РЗН 2020/1001", "РЗН 2020/1002", "Период потребности"):
            self.assertIn(text, html)

    def test_pdf_is_produced(self):
        need = self._need(self.user_manager, self.hospital, self.products[:2])
        content, kind = (
            self.env["ir.actions.report"]
            .with_user(self.user_manager)
            ._render_qweb_pdf("medcrm_needs.action_report_medcrm_need", need.ids)
        )
        # without wkhtmltopdf (and in test mode) Odoo returns the HTML it would print
        self.assertIn(kind, ("pdf", "html"))
        self.assertTrue(content.startswith(b"%PDF") if kind == "pdf" else need.name.encode() in content)

    def test_list_of_needs_by_scope(self):
        open_need = self._need(self.user_manager, self.hospital, self.products[:2])
        closed = self._need(self.user_manager, self.clinic, self.products[3:5])
        closed.write(
            {
                "state": "lost",
                "lost_reason_id": self.env.ref("medcrm_needs.lost_reason_need_irrelevant").id,
                "close_comment": "Закупку отменили",
            }
        )
        foreign = self._need(self.user_manager_2, self.dealer, self.products[6:8])
        Wizard = self.env["medcrm.need.print.wizard"].with_user(self.user_manager)
        self.assertEqual(Wizard.create({"scope": "open"})._get_needs(), open_need)
        self.assertEqual(Wizard.create({"scope": "closed"})._get_needs(), closed)
        self.assertEqual(Wizard.create({"scope": "all"})._get_needs(), open_need | closed, "record rules apply")
        action = Wizard.create({"scope": "closed"}).action_print()
        self.assertEqual(action["report_name"], "medcrm_needs.report_medcrm_need_list")
        html = self._render("medcrm_needs.action_report_medcrm_need_list", closed, data={"scope": "closed"})
        self.assertIn("Закрытые потребности", html)
        self.assertIn(closed.name, html)
        self.assertNotIn(foreign.name, html)
