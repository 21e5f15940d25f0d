import logging
import threading
from collections import Counter

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, new_test_user, tagged

_logger = logging.getLogger(__name__)

WORKERS = 6
LEADS_PER_WORKER = 5
MANAGERS = 4
# Generous bound for a thread that must not wait for another transaction (a hang fails the test).
JOIN_TIMEOUT = 120


@tagged("post_install", "-at_install")
class TestRoundRobinConcurrency(TransactionCase):
    """Leads created at the same moment by several transactions (real database connections, committed)
    never fail and never break the rotation: no turn given twice, no manager skipped, caps kept, and no
    creation waits for another one to end.

    The queue takes its turns in a short transaction of its own, as in production (the context key
    ``medcrm_turn_own_transaction`` makes it do so in a test). The test commits its own data through
    separate cursors and removes it at the end.
    """

    def _committed_env(self, cr):
        return api.Environment(
            cr,
            SUPERUSER_ID,
            {"mail_auto_subscribe_no_notify": True, "mail_create_nolog": True, "medcrm_turn_own_transaction": True},
        )

    def _setup_team(self, caps=()):
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
                    "user_id": False,
                }
            )
            env["crm.team.member"].create(
                [
                    {
                        "crm_team_id": team.id,
                        "user_id": user.id,
                        "medcrm_sequence": 10 * (index + 1),
                        "medcrm_open_lead_max": caps[index] if index < len(caps) else 0,
                    }
                    for index, user in enumerate(users)
                ]
            )
            team_id, user_ids = team.id, users.ids
        self.addCleanup(self._cleanup, team_id, user_ids)
        return team_id, user_ids

    def _cleanup(self, team_id, user_ids):
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            env["crm.lead"].with_context(active_test=False).search([("team_id", "=", team_id)]).unlink()
            team = env["crm.team"].browse(team_id)
            team.crm_team_member_ids.with_context(active_test=False).unlink()
            team.unlink()
            cr.execute("DELETE FROM medcrm_lead_turn WHERE team_id = %s", (team_id,))
            users = env["res.users"].browse(user_ids)
            partners = users.partner_id
            users.unlink()
            partners.unlink()

    def _create_lead(self, cr, team_id, name):
        env = self._committed_env(cr)
        return env["crm.lead"].create(
            {
                "name": name,
                "source_id": env.ref("medcrm_leads.utm_source_site_form").id,
                "team_id": team_id,
                "user_id": False,
            }
        )

    def _run_threads(self, targets):
        errors = []

        def guarded(target):
            threading.current_thread().testing = True  # no e-mail leaves a test
            try:
                target()
            except Exception as error:  # reported by the main thread
                _logger.exception("concurrent creation failed")
                errors.append(repr(error))

        threads = [threading.Thread(target=guarded, args=(target,), daemon=True) for target in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=JOIN_TIMEOUT)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a creation is stuck")
        self.assertEqual(errors, [], "no creation may fail (there is no retry here)")

    def _read_back(self, team_id):
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            team = env["crm.team"].browse(team_id)
            leads = env["crm.lead"].search([("team_id", "=", team_id)])
            handovers = env["medcrm.lead.handover"].search([("team_id", "=", team_id)])
            queue = team.crm_team_member_ids.sorted("medcrm_sequence").user_id
            return {
                "names": sorted(leads.mapped("name")),
                "unassigned": len(leads.filtered(lambda lead: not lead.user_id)),
                "turns": sorted(handovers.mapped("turn")),
                "turn_user": {handover.turn: handover.to_user_id.id for handover in handovers},
                "lead_of_turn": {handover.turn: handover.lead_id.user_id.id for handover in handovers},
                "counts": Counter(lead.user_id.id for lead in leads),
                "queue": queue.ids,
                "rotation_turn": team.medcrm_rotation_turn,
            }

    def test_simultaneous_creations_all_succeed_and_serve_every_turn_once(self):
        team_id, user_ids = self._setup_team()
        barrier = threading.Barrier(WORKERS)

        def worker(number):
            def run():
                barrier.wait()
                for index in range(LEADS_PER_WORKER):
                    with self.registry.cursor() as cr:
                        self._create_lead(cr, team_id, f"Одновременная заявка {number}-{index:02d}")

            return run

        self._run_threads([worker(number) for number in range(WORKERS)])

        total = WORKERS * LEADS_PER_WORKER
        result = self._read_back(team_id)
        expected = sorted(f"Одновременная заявка {n}-{i:02d}" for n in range(WORKERS) for i in range(LEADS_PER_WORKER))
        self.assertEqual(result["names"], expected, "every interest is kept")
        self.assertEqual(result["unassigned"], 0)
        self.assertEqual(result["turns"], list(range(1, total + 1)), "each turn served once")
        for turn, user_id in result["turn_user"].items():
            self.assertEqual(user_id, result["queue"][(turn - 1) % MANAGERS], f"turn {turn} in queue order")
            self.assertEqual(result["lead_of_turn"][turn], user_id, "the log tells who has the lead")
        counts = result["counts"]
        self.assertEqual(set(counts), set(user_ids))
        self.assertLessEqual(max(counts.values()) - min(counts.values()), 1)
        self.assertEqual(result["rotation_turn"], total)

    def test_creation_still_running_does_not_block_the_others(self):
        """A creation whose transaction stays open (slow mail, followers...) holds no lock on the queue:
        other creations commit meanwhile. Had it kept the queue locked, the second thread would hang."""
        team_id, _user_ids = self._setup_team()
        turn_taken, others_done = threading.Event(), threading.Event()

        def slow():
            with self.registry.cursor() as cr:
                self._create_lead(cr, team_id, "Медленная заявка")
                turn_taken.set()
                # keep the transaction open until the others are committed
                self.assertTrue(others_done.wait(JOIN_TIMEOUT), "the other creations waited for this one")

        def fast():
            self.assertTrue(turn_taken.wait(JOIN_TIMEOUT))
            for index in range(3):
                with self.registry.cursor() as cr:
                    self._create_lead(cr, team_id, f"Быстрая заявка {index}")
            others_done.set()

        self._run_threads([slow, fast])
        result = self._read_back(team_id)
        self.assertEqual(len(result["names"]), 4)
        self.assertEqual(result["turns"], [1, 2, 3, 4])
        self.assertEqual(sorted(result["counts"].values()), [1, 1, 1, 1], "four managers, one lead each")

    def test_turn_of_a_rolled_back_creation_is_served_again(self):
        """A creation that fails after taking its turn (an error, or Odoo replaying the request) gives the
        turn back: the next lead gets the same turn and the same manager, and the spread holds."""
        team_id, _user_ids = self._setup_team()
        with self.registry.cursor() as cr:
            lead = self._create_lead(cr, team_id, "Заявка, которую откатят")
            lost_user = lead.user_id.id
            cr.rollback()
        with self.registry.cursor() as cr:
            lead = self._create_lead(cr, team_id, "Заявка после отката")
            self.assertEqual(lead.user_id.id, lost_user, "the manager of the lost turn gets the next lead")
            self.assertEqual(lead.medcrm_handover_ids.turn, 1)
        for index in range(2 * MANAGERS - 1):
            with self.registry.cursor() as cr:
                self._create_lead(cr, team_id, f"Заявка {index}")
        result = self._read_back(team_id)
        self.assertEqual(result["turns"], list(range(1, 2 * MANAGERS + 1)))
        self.assertEqual(sorted(result["counts"].values()), [2] * MANAGERS)

    def test_caps_hold_against_uncommitted_creations(self):
        """A manager at his cap is skipped even when the leads that fill it are not committed yet."""
        team_id, user_ids = self._setup_team(caps=(1, 1, 1, 1))
        barrier = threading.Barrier(WORKERS)
        outcome = []

        def worker(number):
            def run():
                with self.registry.cursor() as cr:
                    barrier.wait()
                    lead = self._create_lead(cr, team_id, f"Заявка при лимите {number}")
                    outcome.append((lead.user_id.id, lead.medcrm_handover_ids.reason))
                    barrier.wait()  # every transaction has taken its turn before any commits

            return run

        self._run_threads([worker(number) for number in range(WORKERS)])
        managers = Counter(user for user, reason in outcome if reason == "round_robin")
        self.assertEqual(set(managers), set(user_ids), "each manager got his one lead")
        self.assertEqual(set(managers.values()), {1}, "no cap exceeded")
        result = self._read_back(team_id)
        self.assertEqual(len(result["names"]), WORKERS, "every interest is kept")
        self.assertEqual(result["unassigned"], WORKERS - MANAGERS, "the rest waits for a free manager (no head)")
