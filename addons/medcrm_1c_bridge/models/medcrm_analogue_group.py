from odoo import fields, models


class MedcrmAnalogueGroup(models.Model):
    _inherit = "medcrm.analogue.group"

    medcrm_1c_guid = fields.Char(
        string="1C reference",
        copy=False,
        readonly=True,
        help="The value of the 1C additional attribute 'Группа аналогов' this group mirrors.",
    )

    _sql_constraints = [
        ("medcrm_1c_guid_uniq", "unique(medcrm_1c_guid)", "Another analogue group mirrors this 1C value."),
    ]
