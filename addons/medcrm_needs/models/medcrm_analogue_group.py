from odoo import fields, models


class MedcrmAnalogueGroup(models.Model):
    """Interchangeable products (the same device from another maker).

    Duplicate detection of needs treats every product of a group as the same product.
    """

    _name = "medcrm.analogue.group"
    _description = "Analogue group"
    _order = "name"

    name = fields.Char(required=True)
    product_tmpl_ids = fields.One2many("product.template", "medcrm_analogue_group_id", string="Products")
    product_count = fields.Integer(compute="_compute_product_count")
    active = fields.Boolean(default=True)

    def _compute_product_count(self):
        counts = dict(
            self.env["product.template"]._read_group(
                [("medcrm_analogue_group_id", "in", self.ids)], ["medcrm_analogue_group_id"], ["__count"]
            )
        )
        for group in self:
            group.product_count = counts.get(group, 0)
