"""Open311 views: parse, call one service, render in the format the URL names.

Errors answer in the spec's format (a list of {code, description}), in the
format of the URL (.xml or .json), with Thai and English descriptions.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException

from complaints.domain.errors import BilingualError, http_error
from complaints.extensions import limiter
from complaints.open311.formats import render
from complaints.services.channels import open311, open311_intake
from complaints.web.security import intake_limit, tracking_rate

bp = Blueprint("open311", __name__, url_prefix="/open311")

FMT = "<any(json, xml):fmt>"
# The spec: 404 for what does not exist, 403 for the api_key, 400 for any other
# request that cannot be fulfilled. Statuses with their own HTTP meaning stay.
_KEPT_STATUSES = {403, 404, 405, 413, 429, 500}


def _english() -> bool:
    return request.args.get("lang") == "en"


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


def _errors(error: BilingualError, headers=None):
    status = error.status if error.status in _KEPT_STATUSES else 400
    items = [{"code": status, "description": f"{e.field}: {e.th} / {e.en}"} for e in error.errors] or [
        {"code": status, "description": f"{error.th} / {error.en}"}
    ]
    response = render(_fmt(), "errors", items, status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@bp.errorhandler(BilingualError)
def _bilingual(error: BilingualError):
    return _errors(error)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    headers = exc.get_response().headers
    kept = {h: headers[h] for h in ("Retry-After", "Allow") if h in headers}
    return _errors(http_error(exc.code or 500, exc.name), kept)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error in Open311")
    return _errors(http_error(500))


@bp.get(f"/discovery.{FMT}")
@bp.get(f"/v2/discovery.{FMT}")
def discovery(fmt: str):
    return render(fmt, "discovery", open311.discovery())


@bp.get(f"/v2/services.{FMT}")
def services(fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "services", open311.service_list(_english()))


@bp.get(f"/v2/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_definition", open311.service_definition(service_code, _english()))


@bp.post(f"/v2/requests.{FMT}")
@limiter.limit(intake_limit)
def create_request(fmt: str):
    # The spec sends the form urlencoded; api_key is also accepted in the query string.
    return render(fmt, "service_requests", open311_intake.submit_request(request.values))


@bp.get(f"/v2/requests.{FMT}")
@tracking_rate
def list_requests(fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_requests", open311.find_requests(request.args, _english()))


@bp.get(f"/v2/requests/<service_request_id>.{FMT}")
@tracking_rate
def get_request(service_request_id: str, fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_requests", open311.get_request(service_request_id, _english()))


@bp.get(f"/v2/tokens/<token>.{FMT}")
@tracking_rate
def token(token: str, fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_requests", open311.token_request(token))


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(anything: str):
    """Anything else under /open311 answers in the spec's error format too."""
    raise open311.error(404, "ไม่พบ resource นี้ของ Open311 GeoReport v2", "No such Open311 GeoReport v2 resource.")
