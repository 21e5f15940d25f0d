"""A bounded fuzz of the public doors (call-back form, Medbuy.ru): random, oversized, malformed, chunked and
wrongly typed bodies. Whatever comes, the answer is never a 5xx and no lead is written.

Seeded: a failure is reproducible (the seed and the case are in the message).
"""

import json
import random
import re

from odoo.tests import tagged

from .test_intake_http import IntakeHttpCase

SEED = 20261202
CASES = 40  # random cases per door: bounded, a few seconds
HOSTILE_TEXTS = [
    "",
    " ",
    "\x00\x01\x02",
    "Ж" * 5000,
    "😷" * 3000,
    "<script>alert(1)</script>",
    "'; DROP TABLE crm_lead; --",
    "\u202eevil",
    "%s%s%n",
    "{{ 7*7 }}",
    "null",
    "\ud7ff\ue000",
]
PRODUCT_IDS = ["", "abc", "-1", "99999999", "1e9", str(2**70), "9" * 5000, "²", "١٢"]
BAD_PHONES = ["позвоните", "", "+7" + "9" * 40, "12-34", "<b>1</b>", "\x00" * 10]


def _chunks(data, size=4096):
    for start in range(0, len(data), size):
        yield data[start : start + size]


@tagged("post_install", "-at_install")
class TestDoorsFuzz(IntakeHttpCase):
    TOKEN = "medbuy-fuzz-token"  # noqa: S105 - a test token

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("medcrm_leads.medbuy_token", self.TOKEN)
        self.random = random.Random(SEED)  # noqa: S311 - a reproducible fuzz, not a secret
        self.before = self._lead_ids()

    def _medbuy(self, body, headers=None):
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.TOKEN}", **(headers or {})}
        return self.url_open("/medcrm/medbuy/lead", data=body, headers=headers, timeout=60)

    def _assert_refused(self, response, case):
        self.assertLess(response.status_code, 500, f"{case}: {response.status_code} {response.text[:300]}")
        self.assertGreaterEqual(response.status_code, 400, f"{case}: accepted")
        self.assertFalse(self._new_leads(self.before), f"{case}: a lead was written")

    # ------------------------------------------------------------
    # MEDBUY.RU
    # ------------------------------------------------------------

    def test_medbuy_malformed_bodies(self):
        cases = {
            "not json": b"{not json",
            "array": b"[]",
            "null": b"null",
            "string": b'"text"',
            "huge number": b'{"contact_name": 1e999999, "phone": "+7 900 000-00-00"}',
            "deep json (30 000 levels, 60 KB)": b"[" * 30000 + b"]" * 30000,
            "deep object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
            "invalid utf-8": b'{"contact_name": "\xff\xfe\xfd", "phone": "+7 900 000-00-00"}',
            "latin-1": '{"contact_name": "Müller", "phone": "+7 900 000-00-00"}'.encode("latin-1"),
            "lone surrogate": b'{"contact_name": "\\ud800", "phone": "+7 900 000-00-00"}',
            "nul in key": b'{"contact_name\\u0000": "x"}',
            "empty": b"",
        }
        for case, body in cases.items():
            with self.subTest(case=case):
                self._assert_refused(self._medbuy(body), case)

    def test_medbuy_wrong_types(self):
        for value in ([1, 2], {"a": "b"}, True, ["Иванов"], {"$gt": ""}):
            payload = {"contact_name": value, "phone": "+7 900 000-00-00", "email": "a@b.ru"}
            with self.subTest(value=value):
                response = self._medbuy(json.dumps(payload))
                self._assert_refused(response, f"contact_name={value!r}")
                self.assertIn("должны быть текстом", response.json()["error"])

    def test_medbuy_oversized_with_and_without_content_length(self):
        big = json.dumps({"contact_name": "Иванов", "phone": "+7 900 000-00-00", "comment": "x" * 1024 * 1024})
        body = big.encode()
        self._assert_refused(self._medbuy(body), "1 MB with Content-Length")
        response = self._medbuy(_chunks(body))  # a generator: requests sends it chunked, without Content-Length
        self._assert_refused(response, "1 MB chunked")
        self.assertEqual(response.status_code, 413)
        # a chunked body within the limit is read as any other (the door still works)
        small = json.dumps({"contact_name": "Иванов Пётр", "phone": "+7 900 000-00-00"}).encode()
        response = self._medbuy(_chunks(small, 16))
        self.assertEqual(response.status_code, 201, response.text)

    def test_medbuy_overlong_fields_are_refused_not_cut(self):
        for field, size in (("organisation", 5000), ("email", 1000), ("contact_name", 500), ("comment", 5000)):
            payload = {"contact_name": "Иванов", "phone": "+7 900 000-00-00", field: "Ж" * size}
            with self.subTest(field=field):
                self._assert_refused(self._medbuy(json.dumps(payload)), f"{field} × {size}")

    def test_medbuy_random_bodies(self):
        for index in range(CASES):
            kind = self.random.choice(["bytes", "object", "text"])
            if kind == "bytes":
                body = self.random.randbytes(self.random.randint(0, 3000))
            elif kind == "text":
                body = "".join(chr(self.random.randint(1, 0x2FFF)) for _ in range(self.random.randint(0, 500)))
                body = body.encode("utf-8", "surrogatepass")
            else:
                payload = {
                    self.random.choice(["contact_name", "email", "inn", "x", "products", ""]): self.random.choice(
                        [*HOSTILE_TEXTS, 0, -1, 2**70, None, [], {}, 1.5]
                    )
                    for _ in range(self.random.randint(0, 6))
                }
                payload["phone"] = self.random.choice(BAD_PHONES[:2])  # never a phone and e-mail both valid
                payload.pop("email", None)
                payload["contact_name"] = self.random.choice(["", None, [], {"a": 1}])
                body = json.dumps(payload).encode()
            with self.subTest(seed=SEED, case=index, kind=kind):
                self._assert_refused(self._medbuy(body), f"case {index} ({kind}): {body[:80]!r}")

    # ------------------------------------------------------------
    # CALL-BACK FORM
    # ------------------------------------------------------------

    def _form_token(self):
        page = self.url_open("/medcrm/callback")
        return re.search(r'name="medcrm_token" value="([^"]+)"', page.text).group(1)

    def test_callback_random_forms(self):
        token = self._form_token()
        for index in range(CASES):
            data = {
                "medcrm_token": self.random.choice([token, token, "", "1.x", token + "0"]),
                "name": self.random.choice(HOSTILE_TEXTS),
                "phone": self.random.choice(BAD_PHONES),
                "comment": self.random.choice(HOSTILE_TEXTS),
                "product_id": self.random.choice(PRODUCT_IDS),
            }
            with self.subTest(seed=SEED, case=index):
                response = self.url_open("/medcrm/callback", data=data, timeout=60)
                self._assert_refused(response, f"case {index}: {str(data)[:120]}")

    def test_callback_page_with_any_product_id(self):
        for product_id in PRODUCT_IDS:
            with self.subTest(product_id=product_id[:20]):
                response = self.url_open(f"/medcrm/callback?product_id={product_id}")
                self.assertEqual(response.status_code, 200)
        tokens = ["9" * 5000 + ".abc", "²." + "a" * 64, "." * 3000]
        for token in tokens:
            response = self.url_open("/medcrm/callback", data={"medcrm_token": token, "name": "Иван"})
            self._assert_refused(response, f"token {token[:20]}")

    def test_callback_chunked_oversized_form(self):
        token = self._form_token()
        body = f"medcrm_token={token}&name=Иван&phone=%2B79031112233&comment={'x' * 200_000}".encode()
        response = self.url_open(
            "/medcrm/callback",
            data=_chunks(body),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        )
        self._assert_refused(response, "chunked 200 KB form")
