"""Duplicate detection of needs: compare a need's product composition with open needs and open deals.

A *composition* is the set of products of a need (or of a deal: its need's lines plus the lines of its
open quotations and orders), where the products of one analogue group count as one product. Two
compositions match when they are identical, or when they share at least the configured share of the
products of **each** of them (default 80 %: ``common / max(own, other) >= 0.8``, symmetric, so that a
dealer's need and the end customer's need report each other). Needs whose periods do not overlap are
not duplicates; the check spans every counterparty and manager of the company.

The comparison runs in PostgreSQL and reads two partial covering indexes only: the lines of comparable
needs (``medcrm_need_line (product_id) INCLUDE (need, state, company, period, deal) WHERE
is_duplicate_candidate``) and the lines of open deals' quotations (``sale_order_line (product_id)
INCLUDE (deal, company) WHERE medcrm_in_open_deal``). A check touches the lines of its own products
only, whatever the size of the history; the few candidates left are then checked live (deal still
open, period of the deal's need) and their compositions counted.
"""

import hashlib

from odoo import Command, api, fields, models

DEFAULT_OVERLAP_PERCENT = 80
OVERLAP_PARAM = "medcrm_needs.duplicate_overlap"
OPEN_ORDER_STATES = ("draft", "sent", "sale")

# A deal is open while it is an active opportunity, neither won nor lost (lost deals are archived).
OPEN_DEAL_SQL = (
    "{d}.active AND {d}.type = 'opportunity' AND COALESCE({d}.probability, 0) < 100 AND NOT COALESCE({s}.is_won, FALSE)"
)

# Key of a product in a composition: the analogue group (negated, to keep the two id spaces apart)
# or the product itself.
COMPOSITION_KEY_SQL = "CASE WHEN {g}.id IS NULL THEN {pp}.id ELSE -{g}.id END"

MATCH_QUERY = f"""
WITH own AS (
    -- the need's products and their keys
    SELECT DISTINCT l.product_id, {COMPOSITION_KEY_SQL.format(g="g", pp="pp")} AS key, g.id AS group_id
      FROM medcrm_need_line l
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN medcrm_analogue_group g ON g.id = pt.medcrm_analogue_group_id AND g.active
     WHERE l.need_id = %(need_id)s
),
src AS (
    -- the products to look for: the need's own products without analogue group, and every product of
    -- the analogue groups of the others
    SELECT product_id, key FROM own WHERE group_id IS NULL
    UNION
    SELECT pp.id, -pt.medcrm_analogue_group_id
      FROM product_template pt
      JOIN product_product pp ON pp.product_tmpl_id = pt.id
     WHERE pt.medcrm_analogue_group_id IN (SELECT group_id FROM own WHERE group_id IS NOT NULL)
),
hits AS (
    -- lines of open needs, and of needs whose deal may still be open (those count as the deal); the
    -- partial index holds everything read here
    SELECT CASE WHEN l.state = 'open' THEN 'need' ELSE 'deal' END AS kind,
           CASE WHEN l.state = 'open' THEN l.need_id ELSE l.deal_id END AS ref,
           src.key
      FROM src
      JOIN medcrm_need_line l ON l.product_id = src.product_id AND l.is_duplicate_candidate
     WHERE l.need_id <> %(need_id)s
       AND l.company_id = %(company_id)s
       AND l.date_from <= %(date_to)s AND l.date_to >= %(date_from)s
    UNION ALL
    -- lines of open quotations and orders of open deals (partial index as well)
    SELECT 'deal', sol.medcrm_deal_id, src.key
      FROM src
      JOIN sale_order_line sol ON sol.product_id = src.product_id AND sol.medcrm_in_open_deal
     WHERE sol.company_id = %(company_id)s
),
own_count AS (SELECT count(DISTINCT key) AS n FROM own),
candidates AS (
    SELECT kind, ref, array_agg(DISTINCT key ORDER BY key) AS common_keys, count(DISTINCT key) AS common_count
      FROM hits
     GROUP BY kind, ref
    HAVING count(DISTINCT key) >= (SELECT GREATEST(ceil(%(threshold)s * n - 1e-9), 1) FROM own_count)
)
-- the few candidates: deals must be open (checked live) and their need's period must overlap
SELECT c.kind, c.ref, c.common_keys, c.common_count, oc.n
  FROM candidates c
 CROSS JOIN own_count oc
  LEFT JOIN crm_lead d ON c.kind = 'deal' AND d.id = c.ref
  LEFT JOIN crm_stage s ON s.id = d.stage_id
  LEFT JOIN medcrm_need dn ON dn.id = d.medcrm_need_id
 WHERE c.kind = 'need'
    OR ({OPEN_DEAL_SQL.format(d="d", s="s")}
        AND (d.company_id IS NULL OR d.company_id = %(company_id)s)
        AND d.medcrm_need_id IS DISTINCT FROM %(need_id)s
        AND (dn.id IS NULL OR (dn.date_from <= %(date_to)s AND dn.date_to >= %(date_from)s)))
"""  # noqa: S608 - built from the constants above, values are query parameters

# Size of the compositions of the candidates (few: only those that share enough products).
TOTALS_QUERY = f"""
SELECT p.kind, p.ref, count(DISTINCT {COMPOSITION_KEY_SQL.format(g="g", pp="pp")})
  FROM (
      SELECT 'need' AS kind, l.need_id AS ref, l.product_id
        FROM medcrm_need_line l WHERE l.need_id = ANY(%(need_ids)s::int[])
      UNION ALL
      SELECT 'deal', d.id, l.product_id
        FROM crm_lead d JOIN medcrm_need_line l ON l.need_id = d.medcrm_need_id
       WHERE d.id = ANY(%(deal_ids)s::int[])
      UNION ALL
      SELECT 'deal', so.opportunity_id, sol.product_id
        FROM sale_order so JOIN sale_order_line sol ON sol.order_id = so.id
       WHERE so.opportunity_id = ANY(%(deal_ids)s::int[]) AND so.state IN %(order_states)s
         AND sol.product_id IS NOT NULL
  ) p
  JOIN product_product pp ON pp.id = p.product_id
  JOIN product_template pt ON pt.id = pp.product_tmpl_id
  LEFT JOIN medcrm_analogue_group g ON g.id = pt.medcrm_analogue_group_id AND g.active
 GROUP BY p.kind, p.ref
"""  # noqa: S608 - built from the constants above, values are query parameters


# Two needs saved at the same moment do not see each other (each transaction reads a snapshot): the check
# first touches one row per composition key of the need (company, key) in ``medcrm_need_check_lock``.
# Two checks sharing a key then conflict: the second waits for the first to end and, under Odoo's
# REPEATABLE READ, fails with a serialization error; Odoo replays it with a fresh snapshot, in which it
# finds the first need (and mirrors the warning onto it). Checks of needs without common products never
# wait for each other. Keys are touched in order, so two checks cannot deadlock.
TOUCH_KEYS_QUERY = f"""
INSERT INTO medcrm_need_check_lock AS k (company_id, key, touched)
SELECT company_id, key, 1 FROM (
    SELECT DISTINCT n.company_id, {COMPOSITION_KEY_SQL.format(g="g", pp="pp")} AS key
      FROM medcrm_need_line l
      JOIN medcrm_need n ON n.id = l.need_id
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN medcrm_analogue_group g ON g.id = pt.medcrm_analogue_group_id AND g.active
     WHERE l.need_id = ANY(%(need_ids)s::int[]) AND n.company_id IS NOT NULL
) keys
 ORDER BY company_id, key
ON CONFLICT (company_id, key) DO UPDATE SET touched = k.touched + 1
"""  # noqa: S608 - built from the constants above, values are query parameters


class MedcrmNeed(models.Model):
    _inherit = "medcrm.need"

    def init(self):
        res = super().init()
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS medcrm_need_check_lock (
                company_id integer NOT NULL,
                key integer NOT NULL,
                touched bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (company_id, key)
            )
            """
        )
        return res

    # ------------------------------------------------------------------------------------------
    # Public API (XML-RPC)
    # ------------------------------------------------------------------------------------------

    def find_composition_duplicates(self):
        """Check the given needs for duplicates, without changing anything.

        Over XML-RPC: ``execute_kw(db, uid, pwd, 'medcrm.need', 'find_composition_duplicates', [need_ids])``.
        The caller must be allowed to read the needs; the matches name the other records (number,
        manager, counterparty) even when the caller cannot open them, as the notifications do.

        :return: one dict per need: ``{'need_id', 'need_number', 'matches': [match, ...]}`` where a match is
            ``{'kind': 'need'|'deal', 'id', 'number', 'name', 'user_id', 'user_name', 'partner_id',
            'partner_name', 'date_from', 'date_to', 'match_type': 'identical'|'similar', 'overlap'
            (percent), 'common_count', 'own_count', 'other_count', 'common_product_ids',
            'common_analogue_group_ids', 'common_products' (names), 'signature' (fingerprint of what matched)}``
            (ids are ``False`` when unknown, dates are ISO strings or ``False``).
        """
        self.check_access("read")
        found = self._find_composition_duplicates()
        return [{"need_id": need.id, "need_number": need.name, "matches": found[need]} for need in self]

    # ------------------------------------------------------------------------------------------
    # The check
    # ------------------------------------------------------------------------------------------

    @api.model
    def _get_duplicate_overlap(self):
        """Share (0, 1] of the products two compositions must have in common to be reported as similar."""
        value = self.env["ir.config_parameter"].sudo().get_param(OVERLAP_PARAM, DEFAULT_OVERLAP_PERCENT)
        try:
            percent = float(value)
        except (TypeError, ValueError):
            percent = DEFAULT_OVERLAP_PERCENT
        return min(max(percent, 1.0), 100.0) / 100.0

    def _find_composition_duplicates(self):
        """{need: [match, ...]} for each need of self, best match first (see ``find_composition_duplicates``).

        Reads the database directly (record rules do not hide the other managers' needs and deals: the
        point is to find them); the result is plain data.
        """
        self.env.flush_all()
        threshold = self._get_duplicate_overlap()
        result = {}
        for need in self:
            result[need] = need._match_composition(threshold)
        return result

    def _match_composition(self, threshold):
        """The need's composition (read from its saved lines) against the open needs and deals.

        The first query finds the needs and deals sharing enough of the need's products; the second one,
        run only when there are such candidates, counts their own products.
        """
        self.ensure_one()
        cr = self.env.cr
        params = {
            "need_id": self.id,
            "company_id": self.company_id.id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "order_states": OPEN_ORDER_STATES,
            "threshold": threshold,
        }
        cr.execute(MATCH_QUERY, params)
        candidates = cr.fetchall()
        if not candidates:
            return []
        own_count = candidates[0][4]
        cr.execute(
            TOTALS_QUERY,
            {
                "need_ids": [ref for kind, ref, *__ in candidates if kind == "need"],
                "deal_ids": [ref for kind, ref, *__ in candidates if kind == "deal"],
                "order_states": OPEN_ORDER_STATES,
            },
        )
        totals = {(kind, ref): count for kind, ref, count in cr.fetchall()}
        rows = []
        for kind, ref, common_keys, common_count, __ in candidates:
            other_count = totals.get((kind, ref), 0)
            if common_count >= threshold * max(own_count, other_count) - 1e-9:
                rows.append((kind, ref, common_keys, common_count, other_count))
        rows.sort(key=lambda row: (-row[3] / max(own_count, row[4]), row[0] != "deal", row[1]))
        return self._format_matches(rows, own_count)

    def _format_matches(self, rows, own_count):
        """Turn the rows of MATCH_QUERY into plain dicts naming the other records."""
        if not rows:
            return []
        su = self.sudo().with_context(active_test=False)
        needs = su.browse([ref for kind, ref, *__ in rows if kind == "need"])
        deals = su.env["crm.lead"].browse([ref for kind, ref, *__ in rows if kind == "deal"])
        needs.fetch(["name", "user_id", "partner_id", "date_from", "date_to"])
        deals.fetch(["name", "user_id", "partner_id", "medcrm_need_id"])
        all_keys = {key for row in rows for key in row[2]}
        products = su.env["product.product"].browse([k for k in all_keys if k > 0])
        groups = su.env["medcrm.analogue.group"].browse([-k for k in all_keys if k < 0])
        key_names = {p.id: p.display_name for p in products} | {-g.id: g.name for g in groups}
        matches = []
        for kind, ref, common_keys, common_count, other_count in rows:
            if kind == "need":
                record = needs.browse(ref)
                number, name, period_need = record.name, record.name, record
            else:
                record = deals.browse(ref)
                number = record.medcrm_need_id.name or record.name
                name, period_need = record.name, record.medcrm_need_id
            identical = common_count == own_count == other_count
            matches.append(
                {
                    "kind": kind,
                    "id": ref,
                    "number": number,
                    "name": name,
                    "user_id": record.user_id.id,
                    "user_name": record.user_id.name or "",
                    "partner_id": record.partner_id.id,
                    "partner_name": record.partner_id.display_name or "",
                    "date_from": fields.Date.to_string(period_need.date_from) if period_need else False,
                    "date_to": fields.Date.to_string(period_need.date_to) if period_need else False,
                    "match_type": "identical" if identical else "similar",
                    "overlap": round(100.0 * common_count / max(own_count, other_count), 1),
                    "common_count": common_count,
                    "own_count": own_count,
                    "other_count": other_count,
                    "common_product_ids": [k for k in common_keys if k > 0],
                    "common_analogue_group_ids": [-k for k in common_keys if k < 0],
                    "common_products": [key_names.get(k, "") for k in common_keys],
                    "signature": self._duplicate_signature(kind, ref, identical, common_keys),
                }
            )
        return matches

    def _duplicate_signature(self, kind, ref, identical, common_keys):
        """What was reported about a pair; the same signature is never notified twice.

        Symmetric for two needs, so that the other need, checked in its turn, finds the same signature.
        """
        pair = f"need:{min(self.id, ref)}:{max(self.id, ref)}" if kind == "need" else f"{kind}:{ref}"
        text = f"{pair}:{int(identical)}:{','.join(map(str, sorted(common_keys)))}"
        return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - a fingerprint, not a secret

    # ------------------------------------------------------------------------------------------
    # On save: record the warnings, notify once, convert satisfiable needs
    # ------------------------------------------------------------------------------------------

    def _check_composition_duplicates(self):
        """Check the open needs of self, record the warnings, notify about new matches.

        Called on every save of an open need; returns ``{need: [match, ...]}``.
        """
        needs = self.filtered(lambda n: n.state == "open")
        if not needs:
            return {}
        self.env.flush_all()
        self.env.cr.execute(TOUCH_KEYS_QUERY, {"need_ids": needs.ids})
        found = needs._find_composition_duplicates()
        for need in needs:
            new_matches = need._sync_duplicate_warnings(found[need])
            if new_matches:
                need._notify_duplicates(new_matches)
        needs._convert_satisfiable()
        return found

    def _sync_duplicate_warnings(self, matches):
        """Make the warnings of this need reflect ``matches``; return the matches not notified before."""
        self.ensure_one()
        Duplicate = self.env["medcrm.need.duplicate"].sudo().with_context(active_test=False)
        existing = Duplicate.search([("need_id", "=", self.id)])
        by_other = {(w.other_kind, w.other_need_id.id or w.other_deal_id.id): w for w in existing}
        new_matches = []
        for match in matches:
            vals = self._prepare_duplicate_warning_values(match)
            warning = by_other.pop((match["kind"], match["id"]), None)
            if not warning:
                Duplicate.create(vals)
                new_matches.append(match)
            elif warning.signature != match["signature"] or not warning.active:
                warning.write(vals | {"active": True, "notified_date": fields.Datetime.now()})
                new_matches.append(match)
            elif (warning.overlap, warning.other_count, warning.own_count) != (
                match["overlap"],
                match["other_count"],
                match["own_count"],
            ):
                warning.write({key: match[key] for key in ("overlap", "other_count", "own_count")})
            if match["kind"] == "need":
                self._mirror_duplicate_warning(match)
        stale = Duplicate.browse([w.id for w in by_other.values() if w.active])
        stale._deactivate_with_mirrors()
        return new_matches

    def _prepare_duplicate_warning_values(self, match):
        self.ensure_one()
        return {
            "need_id": self.id,
            "other_kind": match["kind"],
            "other_need_id": match["id"] if match["kind"] == "need" else False,
            "other_deal_id": match["id"] if match["kind"] == "deal" else False,
            "other_number": match["number"],
            "other_user_id": match["user_id"],
            "other_partner_name": match["partner_name"],
            "match_type": match["match_type"],
            "overlap": match["overlap"],
            "common_count": match["common_count"],
            "own_count": match["own_count"],
            "other_count": match["other_count"],
            "common_products": "\n".join(match["common_products"]),
            "signature": match["signature"],
            "detected_by_id": self.env.uid,
            "notified_date": fields.Datetime.now(),
            "active": True,
        }

    def _mirror_duplicate_warning(self, match):
        """The other need gets the same warning (same signature: checking it later notifies nobody again)."""
        other = self.sudo().browse(match["id"])
        Duplicate = self.env["medcrm.need.duplicate"].sudo().with_context(active_test=False)
        mirror_match = dict(
            match,
            kind="need",
            id=self.id,
            number=self.name,
            user_id=self.user_id.id,
            partner_name=self.partner_id.display_name,
            own_count=match["other_count"],
            other_count=match["own_count"],
        )
        vals = other._prepare_duplicate_warning_values(mirror_match)
        mirror = Duplicate.search([("need_id", "=", other.id), ("other_need_id", "=", self.id)], limit=1)
        if mirror:
            mirror.write(vals)
        else:
            Duplicate.create(vals)

    def _release_duplicate_warnings(self):
        """These needs leave the open state: the warnings of other needs about them are resolved."""
        Duplicate = self.env["medcrm.need.duplicate"].sudo()
        about_self = Duplicate.search([("other_need_id", "in", self.ids)])
        others = about_self.need_id
        about_self.write({"active": False})
        # A satisfiable need that was waiting for this one may now become a deal.
        waiting = others.filtered(lambda n: n.state == "open" and n.satisfiable) - self
        if waiting:
            waiting._check_composition_duplicates()

    def _convert_satisfiable(self):
        """Satisfiable open needs without open duplicates become deals; return them."""
        ready = self.filtered(lambda n: n.state == "open" and n.satisfiable and not n.duplicate_warning_ids)
        if ready:
            ready.action_create_deal()
        return ready

    # ------------------------------------------------------------------------------------------
    # Notifications
    # ------------------------------------------------------------------------------------------

    def _get_duplicate_recipients(self, match):
        """The need's creator and manager, the owner of the other record, the sales heads of the company."""
        self.ensure_one()
        heads = self.env.ref("medcrm_needs.group_medcrm_head").sudo().users
        heads = heads.filtered(lambda u: self.company_id in u.company_ids)
        users = self.create_uid | self.user_id | self.env["res.users"].sudo().browse(match["user_id"]) | heads
        return users.filtered(lambda u: u.active and not u.share and u.partner_id)

    def _notify_duplicates(self, matches):
        """One message per match: in the need's chatter, in the recipients' inbox and by e-mail."""
        self.ensure_one()
        need = self.sudo()
        for match in matches:
            users = self._get_duplicate_recipients(match)
            lang = self.user_id.lang or self.env.lang
            env = need.with_context(lang=lang).env
            body = env["ir.qweb"]._render(
                "medcrm_needs.medcrm_need_duplicate_message",
                {"need": need.with_context(lang=lang), "match": match, "url": need._notify_get_action_link("view")},
            )
            subject = env._(
                "Possible duplicate: %(need)s and %(other)s (%(overlap)s%%)",
                need=need.name,
                other=match["number"],
                overlap=match["overlap"],
            )
            message = need.with_context(lang=lang).message_post(
                body=body,
                subject=subject,
                subtype_xmlid="mail.mt_note",
                partner_ids=users.partner_id.ids,
                notify_author=True,
            )
            # Users who read Odoo's inbox get the e-mail as well: the warning must reach them outside Odoo.
            inbox_partners = users.filtered(lambda u: u.notification_type == "inbox" and u.email).partner_id
            if inbox_partners:
                self.env["mail.mail"].sudo().create(
                    {
                        "mail_message_id": message.id,
                        "body_html": body,
                        "recipient_ids": [Command.link(pid) for pid in inbox_partners.ids],
                        "auto_delete": True,
                        "is_notification": True,
                    }
                )
        return True

    # ------------------------------------------------------------------------------------------
    # Server action
    # ------------------------------------------------------------------------------------------

    def action_check_duplicates(self):
        """«Проверить на дубли»: check the selected needs now; one need with matches opens the closing wizard."""
        to_record = self.filtered(lambda n: n.state == "open")
        found = to_record._check_composition_duplicates()
        found.update((self - to_record).filtered(lambda n: n.state == "draft")._find_composition_duplicates())
        with_matches = [need for need in self if found.get(need)]
        if len(self) == 1 and with_matches and self.state in ("draft", "open"):
            return self._action_open_close_wizard("duplicate", found[self][0])
        if with_matches:
            message = self.env._(
                "Possible duplicates found for %(count)s of %(total)s needs: %(numbers)s.",
                count=len(with_matches),
                total=len(self),
                numbers=", ".join(need.name for need in with_matches),
            )
            kind = "warning"
        else:
            message = self.env._("No duplicates found.")
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Duplicate check"),
                "message": message,
                "type": kind,
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _action_open_close_wizard(self, close_as, match=None):
        context = {
            "active_model": "medcrm.need",
            "active_ids": self.ids,
            "default_need_ids": [Command.set(self.ids)],
            "default_close_as": close_as,
        }
        if match:
            warning = self.env["medcrm.need.duplicate"].search(
                [
                    ("need_id", "in", self.ids),
                    ("other_need_id" if match["kind"] == "need" else "other_deal_id", "=", match["id"]),
                ],
                limit=1,
            )
            context["default_warning_id"] = warning.id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close need"),
            "res_model": "medcrm.need.close.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": context,
        }

    def action_close_as_duplicate(self):
        return self._action_open_close_wizard("duplicate")

    def action_close_as_lost(self):
        return self._action_open_close_wizard("lost")
