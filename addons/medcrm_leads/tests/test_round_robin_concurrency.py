import logging
import random
import threading
import time
from collections import Counter

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, new_test_user, tagged

_logger = logging.getLogger(__name__)

# What Odoo retries when a request fails on a concurrent update (odoo.service.model.retrying).
CONCURRENCY_ERRORS = (pg_errors.SerializationFailure, pg_errors.LockNotAvailable, pg_errors.DeadlockDetected)
WORKERS = 4
LEADS_PER_WORKER = 6
MANAGERS = 3


@tagged("post_install", "-at_install")
class TestRoundRobinConcurrency(TransactionCase):
    """Leads created at the same moment by several workers (real database connections, committed
    transactions) never break the rotation: no turn given twice, no manager skipped.

    The test commits its own data through separate cursors and removes it at the end.
    """

    def _committed_env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"mail_auto_subscribe_no_notify": True, "mail_create_nolog": True})

    def _setup_team(self):
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            users = env["res.users"].concat(
                *(
                    new_test_user(
                        env,
                        login=f"rr_concurrency_{index}",
                        name=f"Параллельный менеджер {index}",
                        groups="base.group_user,medcrm_needs.group_medcrm_manager",
                    )
                    for index in range(MANAGERS)
                )
            )
            team = env["crm.team"].create(
                {
                    "name": "Отдел для проверки параллельности",
                    "medcrm_assignment_mode": "round_robin",
                    "use_leads": True,
                }
            )
            env["crm.team.member"].create(
                [
                    {"crm_team_id": team.id, "user_id": user.id, "medcrm_sequence": 10 * (index + 1)}
                    for index, user in enumerate(users)
                ]
            )
            return team.id, users.ids

    def _cleanup(self, team_id, user_ids):
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            env["crm.lead"].with_context(active_test=False).search([("team_id", "=", team_id)]).unlink()
            team = env["crm.team"].browse(team_id)
            team.crm_team_member_ids.with_context(active_test=False).unlink()
            team.unlink()
            users = env["res.users"].browse(user_ids)
            partners = users.partner_id
            users.unlink()
            partners.unlink()

    def _create_leads(self, team_id, worker, barrier, stats):
        threading.current_thread().testing = True  # no e-mail leaves a test
        source_id = None
        barrier.wait()
        for index in range(LEADS_PER_WORKER):
            while True:
                try:
                    with self.registry.cursor() as cr:
                        env = self._committed_env(cr)
                        source_id = source_id or env.ref("medcrm_leads.utm_source_site_form").id
                        env["crm.lead"].create(
                            {
                                "name": f"Одновременная заявка {worker}-{index}",
                                "source_id": source_id,
                                "team_id": team_id,
                                "user_id": False,
                            }
                        )
                    break
                except CONCURRENCY_ERRORS:
                    # Odoo's answer to a concurrent update: roll back and replay the request.
                    stats["retries"] += 1
                    time.sleep(random.uniform(0, 0.05))  # noqa: S311 - jitter, not cryptography
                except Exception as error:  # reported by the main thread
                    stats["errors"].append(repr(error))
                    return

    def test_simultaneous_creations_serve_every_turn_once(self):
        team_id, user_ids = self._setup_team()
        self.addCleanup(self._cleanup, team_id, user_ids)
        barrier = threading.Barrier(WORKERS)
        stats = {"retries": 0, "errors": []}
        threads = [
            threading.Thread(target=self._create_leads, args=(team_id, worker, barrier, stats), daemon=True)
            for worker in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a worker is stuck")
        self.assertFalse(stats["errors"])
        _logger.info("round-robin concurrency: %s serialization retries", stats["retries"])

        total = WORKERS * LEADS_PER_WORKER
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            team = env["crm.team"].browse(team_id)
            handovers = env["medcrm.lead.handover"].search([("team_id", "=", team_id)])
            leads = env["crm.lead"].search([("team_id", "=", team_id)])
            queue = team.crm_team_member_ids.sorted("medcrm_sequence").user_id
            self.assertEqual(len(leads), total)
            self.assertEqual(sorted(handovers.mapped("turn")), list(range(1, total + 1)), "each turn served once")
            for handover in handovers:
                self.assertEqual(
                    handover.to_user_id, queue[(handover.turn - 1) % MANAGERS], f"turn {handover.turn} in queue order"
                )
            counts = Counter(leads.mapped("user_id.id"))
            self.assertEqual(set(counts), set(user_ids))
            self.assertLessEqual(max(counts.values()) - min(counts.values()), 1)
            self.assertEqual(team.medcrm_rotation_turn, total)
