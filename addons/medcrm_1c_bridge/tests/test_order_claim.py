import threading

from odoo.tests import TransactionCase, tagged

TIMEOUT = 120  # seconds: only a bound for a hang


@tagged("post_install", "-at_install")
class TestOrderClaim(TransactionCase):
    """Two pushes of the 1C order queue (two workers, two servers, the button): an order being sent by one
    push (its row locked by another transaction) is skipped by the other, never sent twice."""

    def test_order_locked_by_another_push_is_skipped(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id FROM sale_order WHERE medcrm_1c_push_state IS DISTINCT FROM 'sent' ORDER BY id LIMIT 1"
            )
            row = cr.fetchone()
        if not row:
            self.skipTest("no committed sale order in this database")
        order = self.env["sale.order"].browse(row[0])
        connection = self.env["medcrm.1c.connection"].new({})
        locked, release, done = threading.Event(), threading.Event(), threading.Event()

        def other_push():
            try:
                with self.registry.cursor() as cr:
                    cr.execute("SELECT id FROM sale_order WHERE id = %s FOR NO KEY UPDATE", (order.id,))
                    locked.set()
                    release.wait(TIMEOUT)
                    cr.rollback()
            finally:
                locked.set()
                done.set()

        thread = threading.Thread(target=other_push, daemon=True)
        thread.start()
        self.assertTrue(locked.wait(TIMEOUT))
        try:
            self.assertFalse(connection._medcrm_1c_claim_order(order), "the order another push holds is skipped")
        finally:
            release.set()
        self.assertTrue(done.wait(TIMEOUT))
        thread.join(TIMEOUT)
        self.assertTrue(connection._medcrm_1c_claim_order(order), "free again once the other push is over")
