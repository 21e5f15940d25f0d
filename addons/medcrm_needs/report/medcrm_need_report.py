from odoo import api, models


class MedcrmNeedReportMixin(models.AbstractModel):
    """Printing needs checks the record rules first: a report is one more door to the data."""

    _name = "medcrm.need.report.mixin"
    _description = "Need report values"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["medcrm.need"].browse(docids).with_context(active_test=False)
        docs.check_access("read")
        return {"doc_ids": docids, "doc_model": "medcrm.need", "docs": docs, "data": data}


class ReportMedcrmNeed(models.AbstractModel):
    _name = "report.medcrm_needs.report_medcrm_need"
    _inherit = "medcrm.need.report.mixin"
    _description = "Need (printout)"


class ReportMedcrmNeedList(models.AbstractModel):
    _name = "report.medcrm_needs.report_medcrm_need_list"
    _inherit = "medcrm.need.report.mixin"
    _description = "List of needs (printout)"
