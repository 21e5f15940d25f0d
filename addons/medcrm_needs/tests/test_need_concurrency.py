import threading
import time

from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import TransactionCase, tagged

TIMEOUT = 120  # seconds: only a bound for a hang, never a speed target


@tagged("post_install", "-at_install")
class TestNeedConcurrency(TransactionCase):
    """Two managers save needs with the same products at the same moment (two real transactions): the
    second check may not miss the first, still uncommitted, need. The test commits its own data through
    separate cursors and removes it at the end."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"mail_create_nolog": True, "mail_notrack": True})

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self.product_ids = (
                env["product.product"]
                .create(
                    [{"name": f"Параллельный товар {index}", "type": "consu", "sale_ok": True} for index in range(3)]
                )
                .ids
            )
            self.partner_ids = (
                env["res.partner"]
                .create([{"name": f"ГБУЗ «Параллельная больница № {index}»", "is_company": True} for index in (1, 2)])
                .ids
            )
            self.source_id = env["utm.source"].create({"name": "Параллельный канал"}).id
            self.user_id = env.ref("base.user_admin").id
        self.need_ids = []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            needs = env["medcrm.need"].with_context(active_test=False).browse(self.need_ids).exists()
            env["medcrm.need.duplicate"].with_context(active_test=False).search(
                ["|", ("need_id", "in", needs.ids), ("other_need_id", "in", needs.ids)]
            ).unlink()
            cr.execute("UPDATE medcrm_need SET state = 'draft' WHERE id = ANY(%s)", (needs.ids,))
            env.invalidate_all()
            needs.unlink()
            env["product.product"].browse(self.product_ids).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()
            env["utm.source"].browse(self.source_id).unlink()

    def _save_need(self, cr, partner_id):
        env = self._env(cr)
        today = fields.Date.today()
        need = env["medcrm.need"].create(
            {
                "partner_id": partner_id,
                "user_id": self.user_id,
                "source_id": self.source_id,
                "date_from": today,
                "date_to": today + relativedelta(months=3),
                "line_ids": [Command.create({"product_id": pid, "product_uom_qty": 5}) for pid in self.product_ids],
            }
        )
        need.action_open()
        return need

    def test_simultaneous_needs_with_the_same_products_both_see_the_duplicate(self):
        first_checked, second_done = threading.Event(), threading.Event()
        second = {"pid": None, "attempts": 0}
        errors = []

        def second_is_waiting():
            with self.registry.cursor() as cr:
                cr.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (second["pid"],))
                row = cr.fetchone()
                return bool(row and row[0] == "Lock")

        def first_manager():
            try:
                with self.registry.cursor() as cr:
                    need = self._save_need(cr, self.partner_ids[0])
                    self.need_ids.append(need.id)
                    first_checked.set()
                    # stay uncommitted until the second manager has run his check (or waits for ours)
                    deadline = time.monotonic() + TIMEOUT
                    while not second_done.is_set() and not (second["pid"] and second_is_waiting()):
                        if time.monotonic() > deadline:
                            raise TimeoutError("the second save neither finished nor waited")
                        time.sleep(0.02)
            except Exception as error:  # reported by the main thread
                errors.append(repr(error))

        def second_manager():
            try:
                if not first_checked.wait(TIMEOUT):
                    raise TimeoutError("the first save did not happen")
                while True:  # Odoo replays a request that failed on a concurrent update: so do we
                    second["attempts"] += 1
                    try:
                        with self.registry.cursor() as cr:
                            second["pid"] = cr._cnx.get_backend_pid()
                            need = self._save_need(cr, self.partner_ids[1])
                            need_id = need.id
                        self.need_ids.append(need_id)
                        break
                    except pg_errors.SerializationFailure:
                        if second["attempts"] > 5:
                            raise
            except Exception as error:  # reported by the main thread
                errors.append(repr(error))
            finally:
                second_done.set()

        threads = [threading.Thread(target=target, daemon=True) for target in (first_manager, second_manager)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a save is stuck")
        self.assertEqual(errors, [])
        self.assertEqual(len(self.need_ids), 2)

        with self.registry.cursor() as cr:
            env = self._env(cr)
            first, second_need = env["medcrm.need"].browse(self.need_ids)
            self.assertNotEqual(first.name, second_need.name, "need numbers are unique")
            self.assertEqual(first.duplicate_warning_ids.other_need_id, second_need, "the first need is warned")
            self.assertEqual(second_need.duplicate_warning_ids.other_need_id, first, "the second need is warned")
