from odoo import models


class IrActionsActWindow(models.Model):
    _inherit = "ir.actions.act_window"

    def _get_action_dict(self):
        """A MedCRM report opens titled with the time of its data: «Manager performance · data of 15:25»."""
        result = super()._get_action_dict()
        model = result.get("res_model")
        Mixin = self.env["medcrm.report.mixin"]
        reports = Mixin._medcrm_report_models()
        if model in reports:
            label = Mixin._medcrm_data_date_label([model])
        elif model == "board.board" and self == self.env.ref("medcrm_reports.medcrm_dashboard_action", False):
            label = Mixin._medcrm_data_date_label(reports)
        else:
            return result
        result["name"] = f"{result['name']} · {label}"
        return result
