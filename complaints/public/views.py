"""Citizen pages. Views parse the request, call one service, render."""

from __future__ import annotations

import hashlib
import secrets

import geothai
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from wtforms.fields.choices import SelectChoice

from complaints.domain.errors import BilingualError, FieldError
from complaints.domain.locations import district_choices, province_choices, subdistrict_choices
from complaints.extensions import limiter
from complaints.i18n import t
from complaints.models import Channel, Status
from complaints.public.forms import ComplaintForm
from complaints.schemas import parse_submission
from complaints.services.access import PUBLIC, Public, visible_complaints
from complaints.services.analytics.metrics import definitions as figure_definitions
from complaints.services.casework import feedback, similarity
from complaints.services.casework.intake import Upload, submit_complaint
from complaints.services.casework.public_view import find_complaint, public_events, public_text
from complaints.services.casework.tracking_lookups import record_lookup
from complaints.services.catalogue import reference_data
from complaints.services.catalogue.standards import published_standards
from complaints.services.messaging.citizen_links import response_token, token_matches
from complaints.services.unit_of_work import unit_of_work
from complaints.web.security import intake_limit, tracking_rate

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html")


def _fill_choices(form: ComplaintForm) -> None:
    categories = [(c.code, c.name_th, c.name_en) for c in reference_data.active_categories().values()]
    choose = SelectChoice("", t("choose"))

    def options(rows) -> list[SelectChoice]:
        return [choose] + [SelectChoice(code, f"{th} / {en}") for code, th, en in rows]

    form.category.choices = options(categories)
    form.province.choices = options(province_choices())
    form.district.choices = options(district_choices(form.province.data) if form.province.data else [])
    form.subdistrict.choices = options(subdistrict_choices(form.district.data) if form.district.data else [])


def _place_name(lookup, code: str | None) -> str | None:
    if not code:
        return None
    place = lookup(code)
    # An unknown code goes through as typed, and intake names the field.
    return place.name_th if place else code


def _submission_data(form: ComplaintForm) -> dict:
    data = {
        "description": form.description.data or "",
        "title": form.title.data or None,
        "kind": form.kind.data,
        "category": form.category.data or None,
        "anonymous": bool(form.anonymous.data),
        "location": {
            "province": _place_name(geothai.province, form.province.data),
            "district": _place_name(geothai.district, form.district.data),
            "subdistrict": _place_name(geothai.subdistrict, form.subdistrict.data),
            "address": form.address.data or None,
            "lat": form.lat.data or None,
            "lon": form.lon.data or None,
        },
    }
    if not data["anonymous"]:
        data["contact"] = {
            "name": form.name.data or None,
            "phone": form.phone.data or None,
            "email": form.email.data or None,
        }
    return data


def _form_errors(form: ComplaintForm) -> list[FieldError]:
    errors = []
    for field, messages in form.errors.items():
        if field == "privacy_accepted":
            errors.append(
                FieldError(
                    field, "กรุณารับทราบประกาศความเป็นส่วนตัวก่อนส่งเรื่อง", "Please acknowledge the privacy notice first."
                )
            )
        elif field == "description":
            errors.append(
                FieldError(
                    field,
                    "กรุณาระบุรายละเอียดของเรื่อง (ไม่เกิน 10,000 ตัวอักษร)",
                    "Please describe the matter (at most 10,000 characters).",
                )
            )
        else:
            errors.append(FieldError(field, "ข้อมูลไม่ถูกต้อง", "; ".join(map(str, messages))))
    return errors


@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit(intake_limit, methods=["POST"])
def new_complaint():
    form = ComplaintForm()
    _fill_choices(form)
    errors: list[FieldError] = []
    if request.method == "GET":
        form.submission_token.data = secrets.token_urlsafe(16)
    elif form.validate_on_submit():
        photos = [
            Upload("photos", f.filename, f.read(current_app.config["MAX_PHOTO_BYTES"] + 1))
            for f in request.files.getlist("photos")
            if f and f.filename
        ]
        try:
            submission = parse_submission(_submission_data(form))
            token = form.submission_token.data or secrets.token_urlsafe(16)
            result = submit_complaint(
                submission,
                channel=Channel.WEB,
                photos=photos,
                idempotency_key=f"web:{token}"[:255],
                request_hash=hashlib.sha256(submission.model_dump_json().encode()).hexdigest(),
            )
            number = result.receipt["tracking_number"]
            # This browser submitted it: its receipt may show the personal link.
            session["submitted"] = (session.get("submitted", []) + [number])[-20:]
            return redirect(url_for("public.receipt", tracking_number=number))
        except BilingualError as exc:
            if exc.status != 422:
                raise
            errors = exc.errors
    else:
        errors = _form_errors(form)
    return render_template("public/new.html", form=form, errors=errors), (422 if errors else 200)


def _submitted_here(complaint) -> bool:
    """This browser filed the complaint (its session keeps the numbers it submitted)."""
    return complaint.tracking_number in session.get("submitted", [])


def _visitor() -> Public:
    return Public(owns=_submitted_here)


@bp.get("/complaints/receipt/<tracking_number>")
@tracking_rate  # a receipt answers like /track: the same budget against enumeration
def receipt(tracking_number: str):
    complaint = find_complaint(tracking_number, _visitor())
    token = response_token(complaint.tracking_number) if _submitted_here(complaint) else None
    # Similar reports are what anyone may know of: never a tip-off, whoever asks.
    return render_template(
        "public/receipt.html",
        complaint=complaint,
        token=token,
        similar=similarity.similar_open(complaint, visible=visible_complaints(PUBLIC)),
    )


@bp.get("/track")
@tracking_rate
def track_search():
    number = request.args.get("number", "").strip()
    if not number:
        return render_template("public/track_search.html")
    complaint = find_complaint(number, _visitor())
    return redirect(url_for("public.track", tracking_number=complaint.tracking_number))


@bp.get("/track/<tracking_number>")
@tracking_rate
def track(tracking_number: str):
    complaint = find_complaint(tracking_number, _visitor())
    if tracking_number != complaint.tracking_number:
        return redirect(url_for("public.track", tracking_number=complaint.tracking_number), 301)
    with unit_of_work():  # the lookup's count, in a transaction of its own
        record_lookup("web")
    return render_template(
        "public/track.html", complaint=complaint, events=public_events(complaint), public_text=public_text
    )


@bp.get("/standards")
def standards():
    """The published service standards and handling process (criterion 3.4 Basic evidence)."""
    return render_template("public/standards.html", **published_standards())


@bp.get("/definitions")
def definitions():
    """What each figure of the dashboard and of the self-assessment counts (issue 19)."""
    return render_template(
        "public/definitions.html",
        definitions=figure_definitions.DEFINITIONS,
        totals=figure_definitions.TOTALS,
    )


@bp.route("/track/<tracking_number>/respond", methods=["GET", "POST"])
@tracking_rate
def respond(tracking_number: str):
    """The complainant's personal link: confirm the fix, reopen, or rate the handling."""
    token = request.values.get("t")
    # The personal link's token proves the sender; without it a tip-off is an unknown number.
    complaint = find_complaint(tracking_number, Public(owns=lambda c: token_matches(c.tracking_number, token)))
    if not token_matches(complaint.tracking_number, token):
        raise BilingualError(
            403,
            "bad-link",
            "ลิงก์นี้ไม่ถูกต้องหรือไม่สมบูรณ์ กรุณาใช้ลิงก์จากอีเมลหรือใบรับเรื่อง",
            "This link is not valid; use the link from your email or receipt.",
        )
    error = None
    if request.method == "POST":
        choice = request.form.get("choice")
        try:
            with unit_of_work():
                if choice == "confirm":
                    feedback.confirm_fix(complaint)
                elif choice == "reopen":
                    feedback.reopen(complaint, request.form.get("reason", ""))
                elif choice == "survey":
                    feedback.record_survey(
                        complaint,
                        request.form.get("satisfaction"),
                        request.form.get("confidence"),
                        request.form.get("comment"),
                    )
                else:
                    raise BilingualError(400, "bad-request", "คำขอไม่ถูกต้อง", "The request is malformed.")
            return redirect(url_for("public.respond", tracking_number=complaint.tracking_number, t=token))
        except BilingualError as exc:
            if exc.status >= 500:
                raise
            error = exc
    return render_template(
        "public/respond.html",
        complaint=complaint,
        token=token,
        error=error,
        survey=feedback.survey_of(complaint),
        rateable=complaint.status in Status.RATEABLE,
    ), (error.status if error else 200)
