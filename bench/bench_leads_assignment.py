"""Benchmark: 10,000 incoming leads assigned round-robin over 20 managers.

Run by `make bench` on a fresh database without demo data (MEDCRM_RUNTIME_CONF names the Odoo config).
Each lead is created alone, as the doors create them (mail gateway, site form, call-back), through the
ORM with the full MedCRM create: mandatory source, queue turn under the team's row lock, hand-over record.
Prints the throughput and the spread (max - min leads per available manager), which must be <= 1.
"""

import os
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api

LEADS = 10_000
MANAGERS = 20
COMMIT_EVERY = 500


def _time_assignment(lead_class):
    """Measure the MedCRM part of each creation: the queue turn (under the team's lock) and the hand-over."""
    spent = [0.0]

    def timed(method):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        return wrapper

    lead_class._medcrm_prepare_assignments = timed(lead_class._medcrm_prepare_assignments)
    lead_class._medcrm_after_assignment = timed(lead_class._medcrm_after_assignment)
    return spent


def main():
    odoo.tools.config.parse_config(["-c", os.environ["MEDCRM_RUNTIME_CONF"]])
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    context = {"mail_auto_subscribe_no_notify": True, "mail_notify_force_send": False}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, context)
        manager_group = env.ref("medcrm_needs.group_medcrm_manager")
        users = env["res.users"].create(
            [
                {
                    "name": f"Менеджер {index:02d}",
                    "login": f"bench_manager_{index:02d}",
                    "groups_id": [(6, 0, [manager_group.id, env.ref("base.group_user").id])],
                }
                for index in range(MANAGERS)
            ]
        )
        team = env["crm.team"].create(
            {"name": "Отдел продаж (бенчмарк)", "use_leads": True, "medcrm_assignment_mode": "round_robin"}
        )
        env["crm.team.member"].create(
            [{"crm_team_id": team.id, "user_id": user.id, "medcrm_sequence": index} for index, user in enumerate(users)]
        )
        source_id = env.ref("medcrm_leads.utm_source_site_form").id
        cr.commit()

        Lead = env["crm.lead"]
        assignment_time = _time_assignment(type(Lead))
        started = time.perf_counter()
        for index in range(LEADS):
            Lead.create(
                {
                    "name": f"Заявка с сайта № {index}",
                    "contact_name": f"Клиент {index}",
                    "email_from": f"client{index}@clinic{index % 500}.example",
                    "source_id": source_id,
                    "team_id": team.id,
                    "user_id": False,
                }
            )
            if (index + 1) % COMMIT_EVERY == 0:
                cr.commit()
                env.invalidate_all()
        cr.commit()
        elapsed = time.perf_counter() - started

        counts = dict(Lead._read_group([("team_id", "=", team.id)], ["user_id"], ["__count"]))
        per_manager = [counts.get(user, 0) for user in users]
        spread = max(per_manager) - min(per_manager)
        turns = team.medcrm_rotation_turn

    print(f"leads assigned      : {sum(per_manager)} over {MANAGERS} managers ({turns} queue turns)")
    print(f"elapsed             : {elapsed:.1f} s")
    print(f"throughput          : {LEADS / elapsed:.0f} leads/s ({1000 * elapsed / LEADS:.1f} ms per lead in all)")
    print(f"assignment share    : {1000 * assignment_time[0] / LEADS:.1f} ms per lead (queue turn + hand-over record)")
    print(f"leads per manager   : min {min(per_manager)}, max {max(per_manager)}")
    print(f"spread (max - min)  : {spread} (must be <= 1)")
    return 0 if spread <= 1 and sum(per_manager) == LEADS else 1


if __name__ == "__main__":
    sys.exit(main())
