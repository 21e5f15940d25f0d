from . import controllers, models, report, wizard


def _post_init_hook(env):
    # The first responses of the hand-overs made before the module was installed, from the leads' chatter.
    env["medcrm.lead.handover"]._medcrm_backfill_responses()
    env["medcrm.report.mixin"]._medcrm_refresh_all()
