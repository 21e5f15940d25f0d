from odoo import fields, models


class MedcrmNeedLine(models.Model):
    _inherit = "medcrm.need.line"

    medcrm_registry_status = fields.Selection(related="product_id.medcrm_registry_status", string="Certificate status")
    medcrm_registry_problem = fields.Boolean(related="product_id.medcrm_registry_problem", string="Certificate problem")


class MedcrmNeed(models.Model):
    _inherit = "medcrm.need"

    medcrm_registry_problem_count = fields.Integer(
        string="Products with a certificate problem", compute="_compute_medcrm_registry_problem_count"
    )

    def _compute_medcrm_registry_problem_count(self):
        for need in self:
            need.medcrm_registry_problem_count = len(
                need.line_ids.product_id.product_tmpl_id.filtered("medcrm_registry_problem")
            )
