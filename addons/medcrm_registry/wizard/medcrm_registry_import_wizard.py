import base64
import binascii
import tempfile

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.medcrm_registry_import import URL_PARAM


class MedcrmRegistryImportWizard(models.TransientModel):
    _name = "medcrm.registry.import.wizard"
    _description = "Import the state register"

    source = fields.Selection(
        [("url", "Download from the address"), ("file", "Upload a file")], required=True, default="url"
    )
    url = fields.Char(
        string="Address",
        default=lambda self: self.env["medcrm.registry.import"]._registry_url(),
        help="The passport (meta.csv) of the open dataset 7710537160-medproducts, or the data file itself "
        "(a zip or a CSV). The weekly import uses it too.",
    )
    data_file = fields.Binary(string="File", attachment=False, help="The register as a zip or a CSV.")
    filename = fields.Char()

    @api.model
    def _check_admin(self):
        if not self.env.user.has_group("base.group_system"):
            raise UserError(self.env._("Only an administrator imports the state register."))

    def action_import(self):
        self.ensure_one()
        self._check_admin()
        imports = self.env["medcrm.registry.import"].sudo()
        if self.source == "url":
            url = (self.url or "").strip()
            if not url:
                raise UserError(self.env._("Give the address of the register."))
            self.env["ir.config_parameter"].sudo().set_param(URL_PARAM, url)
            log = imports._import_url(url)
        else:
            if not self.data_file:
                raise UserError(self.env._("Choose the file of the register (a zip or a CSV)."))
            try:
                content = base64.b64decode(self.data_file, validate=False)
            except (binascii.Error, ValueError) as err:
                raise UserError(self.env._("The file could not be read.")) from err
            with tempfile.TemporaryFile() as data:
                data.write(content)
                del content
                data.seek(0)
                log = imports._import_file(data, self.filename)
        return {
            "type": "ir.actions.act_window",
            "res_model": "medcrm.registry.import",
            "res_id": log.id,
            "view_mode": "form",
            "target": "current",
        }
