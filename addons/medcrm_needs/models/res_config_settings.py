from odoo import api, fields, models

from .medcrm_need_duplicate_check import DEFAULT_OVERLAP_PERCENT, OVERLAP_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    medcrm_need_duplicate_overlap = fields.Integer(
        string="Similar needs: products in common (%)",
        config_parameter=OVERLAP_PARAM,
        default=DEFAULT_OVERLAP_PERCENT,
        help="Two needs are reported as similar when they share at least this share of the products of each.",
    )
    medcrm_need_number_prefix = fields.Char(
        string="Prefix of need numbers",
        compute="_compute_medcrm_need_number_prefix",
        inverse="_inverse_medcrm_need_number_prefix",
        help="E.g. ПТ-%(year)s- gives ПТ-2026-00042; %(year)s is replaced by the year.",
    )

    @api.depends("company_id")
    def _compute_medcrm_need_number_prefix(self):
        sequence = self.env.ref("medcrm_needs.seq_medcrm_need", raise_if_not_found=False)
        for settings in self:
            settings.medcrm_need_number_prefix = sequence.prefix if sequence else False

    def _inverse_medcrm_need_number_prefix(self):
        sequence = self.env.ref("medcrm_needs.seq_medcrm_need", raise_if_not_found=False)
        for settings in self:
            if (
                sequence
                and settings.medcrm_need_number_prefix
                and sequence.prefix != settings.medcrm_need_number_prefix
            ):
                sequence.sudo().prefix = settings.medcrm_need_number_prefix
