from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

# The deal pipeline, in its order (steps 10-19 of the deal). The code, not the name, drives the pipeline.
MEDCRM_STAGE_CODES = [
    ("need", "Need identification"),
    ("offer", "Commercial offer"),
    ("negotiation", "Negotiation"),
    ("documents", "Documents sent"),
    ("payment", "Waiting for payment"),
    ("provisioning", "Provisioning"),
    ("shipment", "Shipment"),
    ("buyer_documents", "Buyer's documents"),
    ("closed", "Closed"),
]
MEDCRM_STAGE_ORDER = [code for code, _label in MEDCRM_STAGE_CODES]

# Odoo's default stages (crm/data/crm_stage_data.xml) and the MedCRM stage their deals move to.
ODOO_DEFAULT_STAGES = {
    "crm.stage_lead1": "need",
    "crm.stage_lead2": "need",
    "crm.stage_lead3": "offer",
    "crm.stage_lead4": "closed",
}


class CrmStage(models.Model):
    _inherit = "crm.stage"

    medcrm_code = fields.Selection(
        MEDCRM_STAGE_CODES,
        string="Pipeline step",
        index="btree_not_null",
        copy=False,
        help="The step of the MedCRM deal pipeline this stage stands for: the documents of the deal move it "
        "here, and moving a deal here by hand is refused while the step's conditions are not met.",
    )
    medcrm_max_idle_days = fields.Integer(
        string="Days allowed in stage",
        default=14,
        help="Days a deal may stay in this stage; longer, it is flagged and its manager reminded. "
        "0: no limit. Long-sale stages may allow weeks.",
    )
    medcrm_escalation_days = fields.Integer(
        string="Escalation after (days)",
        default=3,
        help="Further days a deal may stay flagged before the sales head is notified.",
    )

    @api.constrains("medcrm_code", "team_id")
    def _check_medcrm_code_unique(self):
        for stage in self.filtered("medcrm_code"):
            same = self.search_count(
                [
                    ("id", "!=", stage.id),
                    ("medcrm_code", "=", stage.medcrm_code),
                    ("team_id", "=", stage.team_id.id),
                ],
                limit=1,
            )
            if same:
                raise ValidationError(
                    self.env._(
                        "Another stage already stands for the pipeline step «%(step)s»%(team)s.",
                        step=dict(self._fields["medcrm_code"]._description_selection(self.env))[stage.medcrm_code],
                        team=self.env._(" in team %(team)s", team=stage.team_id.name) if stage.team_id else "",
                    )
                )

    @api.constrains("medcrm_max_idle_days", "medcrm_escalation_days")
    def _check_medcrm_days(self):
        if any(stage.medcrm_max_idle_days < 0 or stage.medcrm_escalation_days < 0 for stage in self):
            raise ValidationError(self.env._("Days allowed in a stage and the escalation delay cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _medcrm_stage_ids_by_code
        return super().create(vals_list)

    def write(self, vals):
        if {"medcrm_code", "team_id", "sequence"} & set(vals):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    # ------------------------------------------------------------
    # PIPELINE
    # ------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _medcrm_stage_ids_by_code(self):
        """{(code, team_id or False): stage id} of the pipeline stages, cached (stage moves are frequent)."""
        stages = self.sudo().search_read([("medcrm_code", "!=", False)], ["medcrm_code", "team_id"], order="id")
        return {(stage["medcrm_code"], stage["team_id"] and stage["team_id"][0]): stage["id"] for stage in stages}

    @api.model
    def _medcrm_stage_for(self, code, team=None):
        """The stage of pipeline step ``code`` for ``team`` (its own stage first, else the shared one)."""
        by_code = self._medcrm_stage_ids_by_code()
        stage_id = (team and by_code.get((code, team.id))) or by_code.get((code, False))
        return self.browse(stage_id)

    @api.model
    def _medcrm_retire_default_stages(self):
        """Move the deals of Odoo's default stages to the pipeline and remove those stages."""
        for xmlid, code in ODOO_DEFAULT_STAGES.items():
            stage = self.env.ref(xmlid, raise_if_not_found=False)
            if not stage or stage.medcrm_code:
                continue
            target = self._medcrm_stage_for(code)
            leads = self.env["crm.lead"].with_context(active_test=False).search([("stage_id", "=", stage.id)])
            if leads:
                # facts of the past, not moves a user makes: no condition to check, no mail to send
                leads.with_context(medcrm_stage_force=True, tracking_disable=True).write({"stage_id": target.id})
            stage.unlink()
