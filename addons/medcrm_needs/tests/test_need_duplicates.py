from dateutil.relativedelta import relativedelta

from odoo import Command

from .common import MedcrmNeedCase


class TestNeedDuplicates(MedcrmNeedCase):
    """The composition check: identical, similar above the threshold, analogues, periods, deals."""

    def _matches(self, need):
        return need._find_composition_duplicates()[need]

    def test_identical_composition_across_managers_and_counterparties(self):
        products = self.products[:4]
        dealer_need = self._need(self.user_manager_2, self.dealer, products)
        hospital_need = self._need(self.user_manager, self.hospital, products)
        matches = self._matches(hospital_need)
        self.assertEqual(len(matches), 1)
        match = matches[0]
        self.assertEqual((match["kind"], match["id"], match["number"]), ("need", dealer_need.id, dealer_need.name))
        self.assertEqual(match["match_type"], "identical")
        self.assertEqual(match["overlap"], 100.0)
        self.assertEqual((match["common_count"], match["own_count"], match["other_count"]), (4, 4, 4))
        self.assertEqual(match["user_id"], self.user_manager_2.id)
        self.assertEqual(match["partner_name"], self.dealer.display_name)
        self.assertEqual(sorted(match["common_product_ids"]), sorted(products.ids))
        # the warning is recorded on both needs, naming the other one
        self.assertEqual(hospital_need.duplicate_warning_ids.other_need_id, dealer_need)
        self.assertEqual(dealer_need.duplicate_warning_ids.other_need_id, hospital_need)
        warning = hospital_need.duplicate_warning_ids
        self.assertEqual(warning.other_number, dealer_need.name)
        self.assertEqual(warning.other_user_id, self.user_manager_2)
        self.assertEqual(warning.detected_by_id, self.user_manager)
        self.assertIn(products[0].name, warning.common_products)

    def test_similar_composition_respects_the_threshold(self):
        base = self._need(self.user_manager_2, self.dealer, self.products[:5])
        # 4 of 5 in common = 80 %: similar at the default threshold
        similar = self._need(self.user_manager, self.hospital, self.products[:4] | self.products[6])
        match = self._matches(similar)[0]
        self.assertEqual((match["id"], match["match_type"], match["overlap"]), (base.id, "similar", 80.0))
        # 3 of 5 in common = 60 %: not a duplicate ...
        far = self._need(self.user_manager, self.clinic, self.products[:3] | self.products[7:9])
        self.assertNotIn(base.id, [m["id"] for m in self._matches(far)])
        # ... unless the head lowers the threshold in the settings
        self.env["res.config.settings"].create({"medcrm_need_duplicate_overlap": 60}).execute()
        self.assertIn(base.id, [m["id"] for m in self._matches(far)])

    def test_overlap_counts_the_bigger_composition(self):
        """A small need inside a big one is not reported: 2 of 10 products is not 80 %."""
        self._need(self.user_manager_2, self.dealer, self.products[:10])
        small = self._need(self.user_manager, self.hospital, self.products[:2])
        self.assertEqual(self._matches(small), [])

    def test_analogues_count_as_the_same_product(self):
        ours = self._need(self.user_manager, self.hospital, self.products[:3] | self.catheter_a)
        theirs = self._need(self.user_manager_2, self.dealer, self.products[:3] | self.catheter_b)
        match = self._matches(ours)[0]
        self.assertEqual((match["id"], match["match_type"]), (theirs.id, "identical"))
        self.assertEqual(match["common_analogue_group_ids"], [self.analogues.id])
        self.assertIn(self.analogues.name, match["common_products"])
        # an archived analogue group no longer makes products interchangeable
        self.analogues.active = False
        self.assertEqual(self._matches(ours), [])

    def test_periods_that_do_not_overlap_are_not_duplicates(self):
        products = self.products[:3]
        spring = self._need(
            self.user_manager_2,
            self.dealer,
            products,
            date_from=self.today,
            date_to=self.today + relativedelta(days=30),
        )
        autumn = self._need(
            self.user_manager,
            self.hospital,
            products,
            date_from=self.today + relativedelta(days=31),
            date_to=self.today + relativedelta(days=90),
        )
        self.assertEqual(self._matches(autumn), [])
        self.assertFalse(autumn.duplicate_warning_ids)
        # moving the period onto the other one makes them duplicates on save
        autumn.write({"date_from": self.today + relativedelta(days=30)})
        self.assertEqual(autumn.duplicate_warning_ids.other_need_id, spring)

    def test_only_open_needs_are_compared(self):
        products = self.products[:3]
        draft = self._need(self.user_manager_2, self.dealer, products, state="draft")
        lost = self._need(self.user_manager_2, self.clinic, products)
        lost.write(
            {
                "state": "lost",
                "lost_reason_id": self.env.ref("medcrm_needs.lost_reason_need_irrelevant").id,
                "close_comment": "Закупка отменена",
            }
        )
        need = self._need(self.user_manager, self.hospital, products)
        self.assertEqual(self._matches(need), [])
        self.assertTrue(draft.exists())

    def test_other_company_is_not_compared(self):
        other_company = self.env["res.company"].create({"name": "ООО «Другая компания»"})
        elsewhere = (
            self.env["medcrm.need"]
            .with_company(other_company)
            .create(
                {
                    "partner_id": self.dealer.id,
                    "user_id": self.user_head.id,
                    "line_ids": [Command.create({"product_id": p.id}) for p in self.products[:3]],
                }
            )
        )
        elsewhere.action_open()
        self.assertEqual(elsewhere.company_id, other_company)
        need = self._need(self.user_manager, self.hospital, self.products[:3])
        self.assertEqual(self._matches(need), [])

    def test_deal_from_need_and_its_open_quotations_are_compared(self):
        source = self._need(self.user_manager_2, self.dealer, self.products[:2])
        source.action_create_deal()
        deal = source.deal_id
        # the manager adds products to the deal's quotation: they belong to the deal's composition
        deal.order_ids.write({"order_line": [Command.create({"product_id": self.products[2].id})]})
        need = self._need(self.user_manager, self.hospital, self.products[:3])
        match = self._matches(need)[0]
        self.assertEqual((match["kind"], match["id"], match["number"]), ("deal", deal.id, source.name))
        self.assertEqual(match["match_type"], "identical")
        self.assertEqual(need.duplicate_warning_ids.other_deal_id, deal)
        # a cancelled quotation no longer counts: the need's two lines alone are 2 of 3 products, not 80 %
        deal.order_ids._action_cancel()
        self.assertEqual(self._matches(need), [])

    def test_deal_without_need_is_compared_by_its_quotations(self):
        deal, __ = self._deal_with_quotation(self.user_manager_2, self.dealer, self.products[4:8])
        need = self._need(self.user_manager, self.hospital, self.products[4:8])
        self.assertEqual([(m["kind"], m["id"]) for m in self._matches(need)], [("deal", deal.id)])

    def test_won_and_lost_deals_are_not_compared(self):
        won, __ = self._deal_with_quotation(self.user_manager_2, self.dealer, self.products[4:8])
        lost, __ = self._deal_with_quotation(self.user_manager_2, self.clinic, self.products[4:8])
        won.action_set_won()
        lost.action_set_lost()
        need = self._need(self.user_manager, self.hospital, self.products[4:8])
        self.assertEqual(self._matches(need), [])

    def test_closing_the_deal_takes_the_converted_need_out_of_the_check(self):
        source = self._need(self.user_manager_2, self.dealer, self.products[:3])
        source.action_create_deal()
        self.assertTrue(source.is_duplicate_candidate)
        self.assertTrue(all(source.line_ids.mapped("is_duplicate_candidate")))
        source.deal_id.action_set_won()
        self.assertFalse(source.is_duplicate_candidate)
        self.assertFalse(any(source.line_ids.mapped("is_duplicate_candidate")))

    def test_the_check_reads_a_bounded_number_of_queries(self):
        for partner in (self.dealer, self.clinic):
            self._need(self.user_manager_2, partner, self.products[:6])
        need = self._need(self.user_manager, self.hospital, self.products[:6])
        need.env.invalidate_all()
        # candidates + their sizes + naming the two needs (managers, counterparties, products), whatever the
        # size of the database and the number of lines
        with self.assertQueryCount(10):
            matches = need._find_composition_duplicates()[need]
        self.assertEqual(len(matches), 2)
