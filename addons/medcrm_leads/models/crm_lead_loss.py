from odoo import api, models
from odoo.exceptions import UserError


class CrmLead(models.Model):
    """A deal is never dropped silently (step 14): managers cannot archive or delete deals; losing one needs a
    reason of the fixed list and a comment, the sales head is notified and the client gets the farewell survey."""

    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    def write(self, vals):
        if "active" not in vals or vals["active"]:
            return super().write(vals)
        losing = self.filtered(lambda lead: lead.active and lead.type == "opportunity")
        if losing and not self._medcrm_may_archive_deals():
            reason = vals.get("lost_reason_id")
            comment = vals.get("medcrm_lost_comment")
            unexplained = losing.filtered(
                lambda lead: (
                    not (reason or lead.lost_reason_id) or not (comment or lead.medcrm_lost_comment or "").strip()
                )
            )
            if unexplained:
                raise UserError(
                    self.env._(
                        "A deal cannot be archived by a manager: mark it as lost («Lost») with a reason and a "
                        "comment. Deals: %(deals)s.",
                        deals=", ".join(unexplained.mapped("name")),
                    )
                )
        result = super().write(vals)
        lost = losing.filtered("lost_reason_id")
        if lost:
            lost._medcrm_after_loss()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_deal_by_manager(self):
        deals = self.filtered(lambda lead: lead.type == "opportunity")
        if deals and not self._medcrm_may_archive_deals():
            raise UserError(
                self.env._(
                    "A deal cannot be deleted by a manager: mark it as lost with a reason and a comment, "
                    "or ask the sales head. Deals: %(deals)s.",
                    deals=", ".join(deals.mapped("name")),
                )
            )

    def action_set_lost(self, **additional_values):
        """Lost with a reason of the list and a comment (``medcrm_lost_comment``) for every deal."""
        deals = self.filtered(lambda lead: lead.type == "opportunity")
        if deals and not self._medcrm_is_system():
            reason = additional_values.get("lost_reason_id")
            comment = additional_values.get("medcrm_lost_comment")
            if not reason and deals.filtered(lambda lead: not lead.lost_reason_id):
                raise UserError(self.env._("Choose the reason the deal was lost from the list."))
            uncommented = deals.filtered(lambda lead: not (lead.medcrm_lost_comment or "").strip())
            if not (comment or "").strip() and uncommented:
                raise UserError(self.env._("Write a comment: why was the deal lost, what did the client say?"))
        if deals and additional_values:
            # reason and comment first: archiving then sees a loss, not a silent drop
            self.write(dict(additional_values))
        return super().action_set_lost(**additional_values)

    def _medcrm_may_archive_deals(self):
        """The sales head (and the system) may archive or delete deals; managers may not."""
        return self.env.su or self.env.user.has_group("sales_team.group_sale_manager")

    def _medcrm_after_loss(self):
        """The sales head is notified of each lost deal; the client gets the farewell e-mail with the survey."""
        for lead in self:
            heads = lead._medcrm_sales_heads()
            lead.sudo().message_post_with_source(
                "medcrm_leads.mail_template_deal_lost",
                partner_ids=heads.partner_id.ids,
                subtype_xmlid="mail.mt_note",
                message_type="comment",
            )
        self._medcrm_send_farewell()
