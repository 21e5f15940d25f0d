import io

import xlsxwriter

from odoo.tests import tagged

from .common import LeadsCase

VISITORS = [
    ("Визитка: Лебедев Павел", "Лебедев Павел", "ООО «УралМедТорг»", "lebedev@uralmedtorg.example", "+7 912 600-70-70"),
    ("Визитка: Ким Денис", "Ким Денис", "ГБУЗ НСО ГНОКБ", "kim@gnokb.example", "+7 383 315-98-12"),
    ("Визитка: Соколова Анна", "Соколова Анна", "ООО «Диагностика Северо-Запад»", "sokolova@diag-sz.example", ""),
    ("Визитка: Орлова Наталья", "Орлова Наталья", "ГБУЗ «ГКБ № 15»", "orlova@gkb15.example", "+7 495 375-71-22"),
]
COLUMNS = ["Название", "Контакт", "Организация", "E-mail", "Телефон"]
FIELDS = ["name", "contact_name", "partner_name", "email_from", "phone"]


@tagged("post_install", "-at_install")
class TestIntakeImport(LeadsCase):
    """Exhibition / regional conference: the visitors' file through Odoo's import, the event as a campaign."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.event = cls.env["utm.campaign"].create({"title": "Здравоохранение-2026"})

    def _csv(self, rows):
        lines = [",".join(COLUMNS)] + [",".join(f'"{value}"' for value in row) for row in rows]
        return "\n".join(lines).encode("utf-8")

    def _xlsx(self, rows):
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = workbook.add_worksheet("Посетители")
        for row_index, row in enumerate([COLUMNS, *rows]):
            for column_index, value in enumerate(row):
                sheet.write(row_index, column_index, value)
        workbook.close()
        return buffer.getvalue()

    def _import(self, content, file_type, file_name, context, dryrun=False):
        """What the import screen does: the client action's context, then execute_import."""
        importer = (
            self.env["base_import.import"]
            .with_user(self.user_head)
            .with_context(**context)
            .create({"res_model": "crm.lead", "file": content, "file_type": file_type, "file_name": file_name})
        )
        options = {"has_headers": True, "quoting": '"', "separator": ",", "encoding": "utf-8"}
        return importer.execute_import(FIELDS, COLUMNS, options, dryrun=dryrun)

    def _wizard_context(self, source):
        wizard = (
            self.env["medcrm.lead.import.wizard"]
            .with_user(self.user_head)
            .create({"source_id": source.id, "campaign_id": self.event.id})
        )
        action = wizard.action_open_import()
        self.assertEqual((action["tag"], action["params"]["model"]), ("import", "crm.lead"))
        return action["params"]["context"]

    def test_exhibition_csv(self):
        result = self._import(
            self._csv(VISITORS), "text/csv", "vystavka.csv", self._wizard_context(self.source_exhibition)
        )
        self.assertFalse(result["messages"], result["messages"])
        leads = self.env["crm.lead"].browse(result["ids"])
        self.assertEqual(len(leads), 4)
        self.assertEqual(set(leads.mapped("source_id")), {self.source_exhibition})
        self.assertEqual(set(leads.mapped("campaign_id")), {self.event}, "the event is the campaign")
        self.assertEqual(set(leads.mapped("type")), {"lead"})
        self.assertEqual(leads[0].partner_name, "ООО «УралМедТорг»")
        self.assertEqual(
            self._queue_users(leads),
            [self.user_manager, self.user_manager_2, self.user_manager_3, self.user_manager],
            "the head imports, the queue distributes",
        )

    def test_regional_conference_xlsx(self):
        conference = self.env.ref("medcrm_leads.utm_source_conference")
        result = self._import(
            self._xlsx(VISITORS[:2]),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "konferenciya.xlsx",
            self._wizard_context(conference),
        )
        self.assertFalse(result["messages"], result["messages"])
        leads = self.env["crm.lead"].browse(result["ids"])
        self.assertEqual(leads.mapped("contact_name"), ["Лебедев Павел", "Ким Денис"])
        self.assertEqual(set(leads.mapped("source_id")), {conference})
        self.assertEqual(set(leads.mapped("campaign_id")), {self.event})

    def test_file_without_source_imports_nothing(self):
        before = self.env["crm.lead"].search_count([])
        result = self._import(self._csv(VISITORS), "text/csv", "bez-istochnika.csv", {"lang": "ru_RU"})
        self.assertTrue(result["messages"])
        self.assertIn("Источник (канал) лида обязателен", result["messages"][0]["message"])
        self.assertEqual(self.env["crm.lead"].search_count([]), before, "nothing half-imported")
        self.assertEqual(self.team.medcrm_rotation_turn, 0)
