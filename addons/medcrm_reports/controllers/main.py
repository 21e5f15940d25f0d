import re

from odoo import http
from odoo.http import content_disposition, request


class MedcrmReportsController(http.Controller):
    @http.route("/medcrm_reports/motivation/statement.xlsx", type="http", auth="user", methods=["GET"])
    def motivation_statement_xlsx(self, plan_ids="", **kwargs):
        """The monthly bonus statement of the given plans, as the user may read them (record rules)."""
        # ids as PostgreSQL's integer holds them: a 5,000-digit "id" must not become a raw database error
        ids = [int(plan_id) for plan_id in plan_ids.split(",")[:1000] if re.fullmatch(r"[0-9]{1,9}", plan_id.strip())]
        plans = request.env["medcrm.motivation.plan"].browse(ids).exists()
        plans.check_access("read")
        content = plans._medcrm_statement_xlsx()
        filename = request.env._("Bonus statement") + ".xlsx"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
