from odoo import fields, models


class MedcrmBuyerDocumentsWizard(models.TransientModel):
    """Record the buyer's signed documents (step 18): the date and the scan; the deal moves to «Получение
    документов» when its goods are ready or shipped."""

    _name = "medcrm.buyer.documents.wizard"
    _description = "Buyer's documents received"

    lead_id = fields.Many2one("crm.lead", string="Deal", required=True, ondelete="cascade")
    date = fields.Datetime(string="Received on", required=True, default=fields.Datetime.now)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "medcrm_buyer_documents_wizard_attachment_rel",
        "wizard_id",
        "attachment_id",
        string="Scans",
        help="The signed shipping documents (УПД, waybill, acceptance act) as scanned by the buyer or by us.",
    )
    note = fields.Char(string="Documents", help="E.g. УПД № 128 от 12.03.2026, signed and stamped.")

    def action_record(self):
        self.ensure_one()
        self.lead_id._medcrm_record_buyer_documents(self.attachment_ids, date=self.date, note=self.note)
        return {"type": "ir.actions.act_window_close"}
