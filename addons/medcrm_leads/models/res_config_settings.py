from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    medcrm_intake_team_id = fields.Many2one(
        "crm.team",
        string="Intake team",
        config_parameter="medcrm_leads.intake_team_id",
        help="Team whose round-robin queue receives the leads that arrive without a team "
        "(chat, call-back requests, Medbuy.ru, integrators, imports). Empty: the first round-robin team.",
    )
    medcrm_callback_rate_limit = fields.Integer(
        string="Call-back requests per address",
        config_parameter="medcrm_leads.callback_rate_limit",
        default=5,
        help="How many call-back requests one network address may send per window; more are refused.",
    )
    medcrm_callback_rate_window = fields.Integer(
        string="Call-back window (minutes)",
        config_parameter="medcrm_leads.callback_rate_window",
        default=60,
    )
    medcrm_medbuy_token = fields.Char(
        string="Medbuy.ru token",
        config_parameter="medcrm_leads.medbuy_token",
        help="Secret the Medbuy.ru portal sends (header Authorization: Bearer <token>) with the requests it "
        "forwards to /medcrm/medbuy/lead. Empty: the HTTP door is closed (e-mail forwarding still works).",
    )
    medcrm_public_mail_domains = fields.Char(
        string="More public mail domains",
        config_parameter="medcrm_leads.public_mail_domains",
        help="Comma-separated mail services (besides mail.ru, yandex.ru, gmail.com...) whose domain says "
        "nothing about the company, for the counterparty duplicate check.",
    )
