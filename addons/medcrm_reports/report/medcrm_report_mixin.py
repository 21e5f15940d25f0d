from markupsafe import Markup

from odoo import api, models, tools
from odoo.models import parse_read_group_spec
from odoo.tools import SQL, format_datetime

# How often the stored rows are recomputed (ir_cron_refresh_reports): the figures are never older than this.
REFRESH_MINUTES = 5


class MedcrmReportMixin(models.AbstractModel):
    """A report that is a PostgreSQL view (``_auto = False``) over the source records.

    ``_medcrm_aggregates`` maps measures that are no plain sum or average of a column to an SQL template
    and the fields it reads, e.g. a ratio of two sums (revenue per effort) or a count of distinct needs: a
    pivot, a graph or ``read_group`` computes them from the rows of each group, never as an average of
    per-row ratios. Rates of 0/100 indicators are plain ``avg`` measures whose rows outside the rate's base
    are NULL.

    The rows are **stored**: a materialized view with a unique index on ``id`` and indexes on the columns
    that reports filter on (``_medcrm_indexes``), refreshed without blocking readers every 5 minutes (cron),
    on demand (*Refresh reports*) and before the facts of the managers' plans are read. The time of each
    refresh is kept in ``medcrm_report_refresh`` and shown in the report's title and empty state. Grouping a million
    rows of a stored report takes a fraction of a second; computing them from the sources on every pivot
    did not (see bench/bench_reports.py).
    """

    _name = "medcrm.report.mixin"
    _description = "MedCRM report view"
    _medcrm_aggregates = {}
    _medcrm_indexes = ("user_id", "date", "company_id")

    def _query(self):
        """The SELECT of the view, an ``odoo.tools.SQL``."""
        raise NotImplementedError

    def init(self):
        cr = self.env.cr
        # when the stored rows of each report were last computed (a table, not a model: written by every
        # refresh, read by every report's action)
        cr.execute(
            """CREATE TABLE IF NOT EXISTS medcrm_report_refresh (
                   model varchar PRIMARY KEY,
                   date timestamp without time zone NOT NULL)"""
        )
        if self._abstract:
            return
        table = SQL.identifier(self._table)
        tools.drop_view_if_exists(cr, self._table)
        cr.execute(SQL("CREATE MATERIALIZED VIEW %s AS (%s)", table, self._query()))
        cr.execute(SQL("CREATE UNIQUE INDEX %s ON %s (id)", SQL.identifier(f"{self._table}_id_uniq"), table))
        for column in self._medcrm_indexes:
            cr.execute(
                SQL(
                    "CREATE INDEX %s ON %s (%s)",
                    SQL.identifier(f"{self._table}_{column}_idx"),
                    table,
                    SQL.identifier(column),
                )
            )
        self._medcrm_set_data_date()

    def _medcrm_set_data_date(self):
        """Record that the stored rows of this report hold the sources as of now."""
        self.env.cr.execute(
            SQL(
                """INSERT INTO medcrm_report_refresh (model, date)
                   VALUES (%s, clock_timestamp() AT TIME ZONE 'UTC')
                   ON CONFLICT (model) DO UPDATE SET date = EXCLUDED.date""",
                self._name,
            )
        )

    @api.model
    def _medcrm_data_date(self, models_=None):
        """When the stored rows of this report (or the oldest of ``models_``) were computed, UTC, or None."""
        names = list(models_ or [self._name])
        self.env.cr.execute(
            SQL("SELECT MIN(date), COUNT(*) FROM medcrm_report_refresh WHERE model IN %s", tuple(names))
        )
        date, count = self.env.cr.fetchone()
        return date if count == len(names) else None

    @api.model
    def _medcrm_report_models(self):
        return sorted(self.env.registry.descendants(["medcrm.report.mixin"], "_inherit") - {"medcrm.report.mixin"})

    @api.model
    def _medcrm_data_date_label(self, models_=None):
        """«data of 02.12.2026, 15:25» in the user's time zone and language (no seconds)."""
        date = self._medcrm_data_date(models_)
        if not date:
            return self.env._("data not computed yet")
        return self.env._("data of %(date)s", date=format_datetime(self.env, date, dt_format="short"))

    @api.model
    def get_empty_list_help(self, help_message):
        """The action's help (what the report would show) followed by why it is empty and the data time."""
        help_message = super().get_empty_list_help(help_message)
        if self._abstract:
            return help_message
        why = self.env._(
            "Nothing matches the filters for %(label)s. The report shows what was recorded until then: it is "
            "refreshed every %(minutes)s minutes, so a record created in the last minutes appears at the next "
            "refresh (or at once with CRM → Reporting → Refresh reports). A manager sees only his own figures; "
            "remove filters or widen the period to see more.",
            label=self._medcrm_data_date_label(),
            minutes=REFRESH_MINUTES,
        )
        # the action's help is Markup (an html field); anything else is escaped, as the message is
        return Markup('%s<p class="o_medcrm_report_data_date">%s</p>') % (help_message or "", why)

    @api.model
    def _medcrm_refresh(self):
        """Recompute the stored rows of this report from the sources (readers are not blocked)."""
        if self._abstract:
            return
        self.env.flush_all()
        self.env.cr.execute("SELECT clock_timestamp() AT TIME ZONE 'UTC'")
        (started,) = self.env.cr.fetchone()
        self.env.cr.execute(SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY %s", SQL.identifier(self._table)))
        self.env.cr.execute(
            SQL(
                """INSERT INTO medcrm_report_refresh (model, date) VALUES (%s, %s)
                   ON CONFLICT (model) DO UPDATE SET date = EXCLUDED.date""",
                self._name,
                started,
            )
        )
        self.invalidate_model()

    @api.model
    def _medcrm_refresh_all(self):
        """Refresh every MedCRM report (cron every 5 minutes, the *Refresh reports* menu)."""
        for name in self._medcrm_report_models():
            self.env[name].sudo()._medcrm_refresh()
        return True

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        result = super().read_group(domain, fields, groupby, offset, limit, orderby, lazy)
        groupby = [groupby] if isinstance(groupby, str) else groupby
        if groupby and not orderby and not limit and not offset:
            # the groups come ordered by id (see _read_group_orderby): show them by name, as Odoo does
            first = groupby[0]
            field = self._fields.get(first.split(":")[0])
            if field and field.type == "many2one":
                result.sort(key=lambda row: (not row[first], str(row[first][1]).lower() if row[first] else ""))
        return result

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        # Ordering many2one groups by the names of the related records makes PostgreSQL group (and sort) a
        # million stored rows by those names; by the ids it hashes them into a few groups (read_group then
        # sorts the few groups by name).
        if order == ",".join(groupby_terms):
            order = None
        return super()._read_group_orderby(order, groupby_terms, query)

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
