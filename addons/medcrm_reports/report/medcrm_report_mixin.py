from odoo import api, models, tools
from odoo.models import parse_read_group_spec
from odoo.tools import SQL


class MedcrmReportMixin(models.AbstractModel):
    """A report that is a PostgreSQL view (``_auto = False``) over the source records.

    ``_medcrm_aggregates`` maps measures that are no plain sum or average of a column to an SQL template
    and the fields it reads, e.g. a ratio of two sums (revenue per effort) or a count of distinct needs: a
    pivot, a graph or ``read_group`` computes them from the rows of each group, never as an average of
    per-row ratios. Rates of 0/100 indicators are plain ``avg`` measures whose rows outside the rate's base
    are NULL.
    """

    _name = "medcrm.report.mixin"
    _description = "MedCRM report view"
    _medcrm_aggregates = {}

    def _query(self):
        """The SELECT of the view, an ``odoo.tools.SQL``."""
        raise NotImplementedError

    def init(self):
        if self._abstract:
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        fname = parse_read_group_spec(aggregate_spec)[0] if aggregate_spec != "__count" else None
        if fname in self._medcrm_aggregates:
            template, field_names = self._medcrm_aggregates[fname]
            return SQL(template, *(self._field_to_sql(self._table, name, query) for name in field_names))
        return super()._read_group_select(aggregate_spec, query)


def ratio(numerator, denominator, factor=1):
    """A measure computed as ``factor × SUM(numerator) / SUM(denominator)`` over the rows of a group."""
    return (f"SUM(%s) * {float(factor)!r} / NULLIF(SUM(%s), 0)", [numerator, denominator])


def count_distinct(field_name):
    return ("COUNT(DISTINCT %s)", [field_name])
