from odoo import fields, models


class UtmCampaign(models.Model):
    _inherit = "utm.campaign"

    # What a campaign (an exhibition, a conference, a mailing, a Medbuy.ru subscription) cost: the channel
    # report sets it against the interests, deals and revenue of its channel.
    medcrm_source_id = fields.Many2one(
        "utm.source",
        string="Channel",
        help="The channel whose cost this campaign carries (e.g. «Выставка» for an exhibition).",
    )
    medcrm_date = fields.Date(
        string="Spent on", help="Date of the spending, for the period filters of the channel report."
    )
    medcrm_budget = fields.Monetary(
        string="Budget",
        currency_field="currency_id",
        groups="sales_team.group_sale_salesman",
        help="What the campaign cost, in the currency of its company (sale's company of the campaign).",
    )
