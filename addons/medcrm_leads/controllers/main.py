"""Public doors of the intake: the call-back request form of the site and the Medbuy.ru portal."""

import logging
import re
import time
from datetime import timedelta

from werkzeug.exceptions import BadRequest

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import consteq, plaintext2html
from odoo.tools.misc import hmac

from ..tools import counterparty, http_input

_logger = logging.getLogger(__name__)

CALLBACK_MAX_BODY = 8 * 1024  # bytes: a name, a phone and a comment
MEDBUY_MAX_BODY = 64 * 1024
TOKEN_MAX_AGE = 24 * 3600  # seconds a call-back form stays valid
NAME_MAX = 100
PHONE_MAX = 30
COMMENT_MAX = 2000
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The honeypot: a field hidden from people; robots fill it.
HONEYPOT = "company_website"


def _clean(value, limit=None):
    """Text from a public form: no control characters, trimmed; None when longer than ``limit``."""
    text = CONTROL_CHARS.sub("", str(value or "")).strip()
    if limit and len(text) > limit:
        return None
    return text


class MedcrmIntake(http.Controller):
    # ------------------------------------------------------------
    # CALL-BACK REQUEST
    # ------------------------------------------------------------

    @http.route("/medcrm/callback", type="http", auth="public", methods=["GET"], website=True, sitemap=False)
    def callback_form(self, product_id=None, **kwargs):
        product = self._callback_product(product_id) if product_id else request.env["product.product"]
        return request.render("medcrm_leads.callback_page", self._callback_qcontext({"product": product or None}))

    @http.route(
        "/medcrm/callback",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        csrf=False,  # anonymous visitors have no session to bind a CSRF token to: a signed form token instead
        sitemap=False,
    )
    def callback_submit(self, **post):
        if (request.httprequest.content_length or 0) > CALLBACK_MAX_BODY or (
            sum(len(str(value)) for value in post.values()) > CALLBACK_MAX_BODY  # chunked: no Content-Length
        ):
            return self._callback_error([request.env._("The request is too long.")], post, status=413)
        if request.session.uid and not request.validate_csrf(post.get("csrf_token")):
            raise BadRequest("Session expired (invalid CSRF token)")
        if not self._callback_token_valid(post.get("medcrm_token")):
            return self._callback_error(
                [request.env._("The form has expired. Please reload the page and send it again.")], post, 403
            )
        if post.get(HONEYPOT):
            _logger.info("Call-back request refused: honeypot filled from %s", request.httprequest.remote_addr)
            return request.render("medcrm_leads.callback_thanks", {})
        values, errors = self._callback_validate(post)
        if errors:
            return self._callback_error(errors, post, status=400)
        if self._callback_rate_exceeded():
            message = request.env._("Too many requests from your address. Please call us or try again later.")
            return self._callback_error([message], post, status=429)
        lead = request.env["crm.lead"].sudo()._medcrm_create_from_door("callback", self._callback_lead_values(values))
        _logger.info("Call-back request: lead %s created", lead.id or "(kept for a retry)")
        return request.render("medcrm_leads.callback_thanks", {"lead": lead})

    def _callback_qcontext(self, extra):
        timestamp = str(int(time.time()))
        token = f"{timestamp}.{hmac(request.env(su=True), 'medcrm_callback', timestamp)}"
        return {"medcrm_token": token, "honeypot": HONEYPOT, "errors": [], "post": {}, **extra}

    def _callback_token_valid(self, token):
        timestamp, _sep, signature = (token or "").partition(".")
        if not re.fullmatch(r"[0-9]{1,12}", timestamp) or not signature:
            return False
        expected = hmac(request.env(su=True), "medcrm_callback", timestamp)
        return consteq(signature, expected) and 0 <= time.time() - int(timestamp) <= TOKEN_MAX_AGE

    def _callback_product(self, product_id):
        product_id = str(product_id or "")
        if not re.fullmatch(r"[0-9]{1,9}", product_id):  # an id PostgreSQL's integer holds ("²" is no digit)
            return None
        product = request.env["product.product"].sudo().browse(int(product_id)).exists()
        return product if product and product.sale_ok and product.active else None

    def _callback_validate(self, post):
        errors = []
        name = _clean(post.get("name"), NAME_MAX)
        phone = _clean(post.get("phone"), PHONE_MAX)
        comment = _clean(post.get("comment"), COMMENT_MAX)
        if name is None:
            errors.append(request.env._("The name is too long (at most %(count)s characters).", count=NAME_MAX))
        elif not name:
            errors.append(request.env._("Please give your name."))
        if phone is None or (phone and not re.fullmatch(r"[0-9+()\-\s.]+", phone)):
            errors.append(request.env._("The phone number may contain only digits, spaces, +, -, ( and )."))
        elif not phone:
            errors.append(request.env._("Please give your phone number."))
        elif not 10 <= len(counterparty.phone_key(phone) or "") <= 15:
            errors.append(request.env._("The phone number looks incomplete: please give it with the area code."))
        if comment is None:
            errors.append(request.env._("The comment is too long (at most %(count)s characters).", count=COMMENT_MAX))
        product = None
        if post.get("product_id"):
            product = self._callback_product(post["product_id"])
            if not product:
                errors.append(request.env._("The product asked about is not in the catalogue. Please reload the page."))
        return {"name": name, "phone": phone, "comment": comment, "product": product}, errors

    def _callback_rate_exceeded(self):
        params = request.env["ir.config_parameter"].sudo()
        limit = int(params.get_param("medcrm_leads.callback_rate_limit", 5))
        window = int(params.get_param("medcrm_leads.callback_rate_window", 60))
        since = fields.Datetime.now() - timedelta(minutes=window)
        recent = (
            request.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search_count(
                [("medcrm_request_ip", "=", request.httprequest.remote_addr), ("create_date", ">=", since)],
                limit=limit,
            )
        )
        return recent >= limit

    def _callback_lead_values(self, values):
        product = values["product"]
        subject = product.display_name if product else values["name"]
        return {
            "name": request.env._("Call-back request: %(subject)s", subject=subject),
            "type": "lead",
            "contact_name": values["name"],
            "phone": values["phone"],
            "description": plaintext2html(values["comment"]) if values["comment"] else False,
            "source_id": request.env.ref("medcrm_leads.utm_source_callback").id,
            "medium_id": request.env.ref("utm.utm_medium_phone").id,
            "medcrm_product_ids": [fields.Command.set(product.ids)] if product else False,
            "medcrm_request_ip": request.httprequest.remote_addr,
            "user_id": False,
        }

    def _callback_error(self, errors, post, status):
        product = self._callback_product(post.get("product_id")) if post.get("product_id") else None
        qcontext = self._callback_qcontext({"product": product})
        qcontext.update(errors=errors, post={key: _clean(post.get(key), 2000) for key in ("name", "phone", "comment")})
        return request.render("medcrm_leads.callback_page", qcontext, status=status)

    # ------------------------------------------------------------
    # MEDBUY.RU
    # ------------------------------------------------------------

    @http.route("/medcrm/medbuy/lead", type="http", auth="public", methods=["POST"], csrf=False, save_session=False)
    def medbuy_lead(self, **kwargs):
        """A request forwarded by the Medbuy.ru portal (JSON body, ``Authorization: Bearer <token>``).

        Body: ``{"request_id", "organisation", "inn", "contact_name", "phone", "email", "products", "comment"}``;
        ``contact_name`` and a phone or an e-mail are required. Answers ``201 {"lead_id": id}`` or
        ``4xx {"error": "..."}`` (in Russian).
        """
        token = request.env["ir.config_parameter"].sudo().get_param("medcrm_leads.medbuy_token")
        if not token:
            return self._json({"error": request.env._("The Medbuy.ru door is closed: no token is configured.")}, 404)
        authorization = request.httprequest.headers.get("Authorization", "")
        if not consteq(authorization, f"Bearer {token}"):
            return self._json({"error": request.env._("Wrong or missing Medbuy.ru token.")}, 401)
        try:
            # at most the limit + 1 bytes are read, chunked or not; strict UTF-8; nesting bounded
            payload = http_input.parse_json_object(http_input.read_body(request.httprequest, MEDBUY_MAX_BODY))
        except http_input.BodyError as error:
            return self._json({"error": self._medbuy_body_error(error.reason)}, error.status)
        numeric = ("request_id", "inn", "phone")
        wrong = [
            key
            for key in self._medbuy_fields()
            if not http_input.is_scalar_text(payload.get(key), numbers=key in numeric)
        ]
        if wrong:
            message = request.env._("These fields must be text: %(fields)s.", fields=", ".join(wrong))
            return self._json({"error": message}, 400)
        limits = self._medbuy_limits()
        values = {key: _clean(payload.get(key), limits.get(key, COMMENT_MAX)) for key in self._medbuy_fields()}
        errors = [
            request.env._(
                "%(field)s is longer than %(count)s characters.", field=key, count=limits.get(key, COMMENT_MAX)
            )
            for key, value in values.items()
            if value is None
        ]
        if not values.get("contact_name"):
            errors.append(request.env._("contact_name is required."))
        if not values.get("phone") and not values.get("email"):
            errors.append(request.env._("A phone or an e-mail is required."))
        if errors:
            return self._json({"error": " ".join(errors)}, 400)
        try:
            lead = request.env["crm.lead"].sudo()._medcrm_create_from_door("medbuy", self._medbuy_lead_values(values))
        except UserError as error:  # the models' own checks (ValidationError included): the sender's mistake
            request.env.cr.rollback()  # nothing of a refused request is kept
            return self._json({"error": str(error.args[0] if error.args else error)}, 400)
        if not lead:  # transient database error: kept, created by the scheduled replay
            return self._json({"lead_id": False, "queued": True}, 202)
        return self._json({"lead_id": lead.id}, 201)

    def _medbuy_body_error(self, reason):
        return {
            "too_long": request.env._("The request is too long."),
            "encoding": request.env._("The body is not valid UTF-8 text."),
            "too_deep": request.env._("The JSON body is nested too deeply."),
            "json": request.env._("The body is not valid JSON."),
        }.get(reason) or request.env._("The body must be a JSON object.")

    def _medbuy_limits(self):
        """Characters each field may have (the others: ``COMMENT_MAX``)."""
        return {
            "request_id": NAME_MAX,
            "organisation": 300,
            "inn": PHONE_MAX,
            "contact_name": NAME_MAX,
            "phone": PHONE_MAX,
            "email": 254,
        }

    def _medbuy_fields(self):
        return ("request_id", "organisation", "inn", "contact_name", "phone", "email", "products", "comment")

    def _medbuy_lead_values(self, values):
        subject = values["products"] or values["organisation"] or values["contact_name"]
        details = "\n".join(
            f"{label}: {values[key]}"
            for key, label in (
                ("request_id", request.env._("Medbuy.ru request")),
                ("inn", request.env._("INN")),
                ("products", request.env._("Products")),
                ("comment", request.env._("Comment")),
            )
            if values[key]
        )
        return {
            "name": request.env._("Medbuy.ru: %(subject)s", subject=subject[:NAME_MAX]),
            "type": "lead",
            "partner_name": values["organisation"],
            "contact_name": values["contact_name"],
            "phone": values["phone"],
            "email_from": values["email"],
            "description": plaintext2html(details) if details else False,
            "source_id": request.env.ref("medcrm_leads.utm_source_medbuy").id,
            "medcrm_request_ip": request.httprequest.remote_addr,
            "user_id": False,
        }

    def _json(self, data, status):
        return request.make_json_response(data, status=status)
