from odoo import api, fields, models


class MedcrmNeedDuplicate(models.Model):
    """A possible duplicate recorded on a need: which other need or deal, whose, what matched and how much.

    Written by the duplicate check only (as superuser); the other record is named in plain text, so the
    manager sees the warning even where he may not open the other need or deal. ``signature`` is what
    was notified: a re-check that finds the same products again notifies nobody.
    """

    _name = "medcrm.need.duplicate"
    _description = "Possible duplicate of a need"
    _order = "overlap desc, id desc"
    _rec_name = "other_number"

    need_id = fields.Many2one("medcrm.need", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="need_id.company_id", store=True, index=True)
    need_user_id = fields.Many2one(related="need_id.user_id", store=True, index=True, string="Manager of the need")
    active = fields.Boolean(default=True, help="Archived when the match disappears or the other record is closed.")

    other_kind = fields.Selection([("need", "Need"), ("deal", "Deal")], string="Matches a", required=True)
    other_need_id = fields.Many2one("medcrm.need", string="Other need", ondelete="cascade", index="btree_not_null")
    other_deal_id = fields.Many2one("crm.lead", string="Other deal", ondelete="cascade", index="btree_not_null")
    other_number = fields.Char(string="Other record", required=True)
    other_user_id = fields.Many2one("res.users", string="Other manager")
    other_partner_name = fields.Char(string="Other counterparty")

    match_type = fields.Selection(
        [("identical", "Identical composition"), ("similar", "Similar composition")], string="Match", required=True
    )
    overlap = fields.Float(string="Overlap (%)", digits=(5, 1))
    common_count = fields.Integer(string="Common products")
    own_count = fields.Integer(string="Products of the need")
    other_count = fields.Integer(string="Products of the other")
    common_products = fields.Text(string="Matched products")
    summary = fields.Char(compute="_compute_summary")

    signature = fields.Char(readonly=True, copy=False)
    detected_by_id = fields.Many2one("res.users", string="Detected on save by")
    notified_date = fields.Datetime(string="Notified on")

    @api.depends("other_number", "other_partner_name", "overlap")
    def _compute_display_name(self):
        for warning in self:
            warning.display_name = (
                f"{warning.other_number} — {warning.other_partner_name or ''} ({warning.overlap:g} %)"
            )

    @api.depends("other_number", "overlap", "common_count", "own_count", "other_count", "match_type")
    def _compute_summary(self):
        for warning in self:
            warning.summary = self.env._(
                "%(other)s: %(common)s of %(own)s products in common with %(theirs)s, %(overlap)s%%",
                other=warning.other_number,
                common=warning.common_count,
                own=warning.own_count,
                theirs=warning.other_count,
                overlap=warning.overlap,
            )

    def _deactivate_with_mirrors(self):
        """Resolve these warnings and the warnings the other needs hold about the same pair."""
        if not self:
            return
        mirrors = self.search(
            [
                ("need_id", "in", self.other_need_id.ids),
                ("other_need_id", "in", self.need_id.ids),
            ]
        ).filtered(lambda m: (m.other_need_id, m.need_id) in {(w.need_id, w.other_need_id) for w in self})
        (self | mirrors).write({"active": False})

    def action_open_other(self):
        """Open the other need or deal (record rules decide whether the user may)."""
        self.ensure_one()
        record = self.other_need_id or self.other_deal_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
        }
