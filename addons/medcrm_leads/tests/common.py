from contextlib import contextmanager

from odoo.addons.medcrm_needs.tests.common import MedcrmCase


class ErrorMessageMixin:
    @contextmanager
    def assertRaisesMessage(self, exception, regex):
        """assertRaises (Odoo's: the savepoint is rolled back, the cache cleared) and a check of the message."""
        with self.assertRaises(exception) as capture:
            yield capture
        self.assertRegex(str(capture.exception), regex)


class LeadsCase(ErrorMessageMixin, MedcrmCase):
    """A sales department of its own: head Голованов, the round-robin queue Анна → Олег → Ирина."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_manager_3 = cls._new_user("test_manager_3", "Звонарёва Ирина", "medcrm_needs.group_medcrm_manager")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Тестовый отдел продаж",
                "user_id": cls.user_head.id,
                "use_leads": True,
                "use_opportunities": True,
                "medcrm_assignment_mode": "round_robin",
                "sequence": -1,
            }
        )
        cls.member_1, cls.member_2, cls.member_3 = cls.env["crm.team.member"].create(
            [
                {"crm_team_id": cls.team.id, "user_id": user.id, "medcrm_sequence": sequence}
                for user, sequence in (
                    (cls.user_manager, 10),
                    (cls.user_manager_2, 20),
                    (cls.user_manager_3, 30),
                )
            ]
        )
        cls.env["ir.config_parameter"].sudo().set_param("medcrm_leads.intake_team_id", cls.team.id)
        cls.source_email = cls.env.ref("medcrm_leads.utm_source_email")
        cls.source_site_form = cls.env.ref("medcrm_leads.utm_source_site_form")
        cls.source_chat = cls.env.ref("medcrm_leads.utm_source_chat")
        cls.source_mailing = cls.env.ref("medcrm_leads.utm_source_mailing")
        cls.source_call = cls.env.ref("medcrm_leads.utm_source_inbound_call")
        cls.source_callback = cls.env.ref("medcrm_leads.utm_source_callback")
        cls.source_exhibition = cls.env.ref("medcrm_leads.utm_source_exhibition")
        cls.source_medbuy = cls.env.ref("medcrm_leads.utm_source_medbuy")
        cls.product_syringe = cls.env["product.product"].create(
            {"name": "Шприц 5 мл трёхкомпонентный", "sale_ok": True, "type": "consu"}
        )
        cls.product_mask = cls.env["product.product"].create(
            {"name": "Маска медицинская трёхслойная", "sale_ok": True, "type": "consu"}
        )

    @classmethod
    def _incoming_lead_values(cls, name="Запрос КП на шприцы", **values):
        """An interest arriving from outside: a source, no salesperson (the queue decides)."""
        return {"name": name, "source_id": cls.source_email.id, "user_id": False, "team_id": cls.team.id, **values}

    def _queue_users(self, leads):
        return [lead.user_id for lead in leads]
