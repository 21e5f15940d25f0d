def migrate(cr, version):
    """The reports are refreshed every 5 minutes (was 30): the cron record is noupdate."""
    cr.execute(
        """UPDATE ir_cron
              SET interval_number = 5, interval_type = 'minutes'
             FROM ir_model_data data
            WHERE data.module = 'medcrm_reports'
              AND data.name = 'ir_cron_refresh_reports'
              AND data.model = 'ir.cron'
              AND ir_cron.id = data.res_id"""
    )
