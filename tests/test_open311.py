"""Open311 GeoReport v2 server (/open311/v2).

A real Open311 client library (georeport, from PyPI) and plain `requests` talk to
the app served on loopback by a werkzeug server thread; the Flask test client
covers the rest. XML is parsed with a parser and its element names are checked
against the spec's (wiki.open311.org/GeoReport_v2).
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import select
from werkzeug.serving import make_server

from complaints.extensions import db
from complaints.models import ApiKey, Complainant, Complaint, Open311Request, TimelineEvent, User, utcnow
from complaints.services.channels import api_keys, open311
from complaints.services.unit_of_work import unit_of_work
from tests.helpers import counts, csrf_from, login, make_staff, submit_api

# Field names, in order, as the spec lists them.
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
POST_ANSWER_FIELDS = ["service_request_id", "service_notice", "account_id"]
DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]

PERSON = {"email": "malee.open311@example.com", "first_name": "มาลี", "last_name": "ศรีสุข", "phone": "0899990001"}


@pytest.fixture
def api_key(app) -> str:
    admin_id = make_staff(app, "admin311", "admin", None)
    with app.app_context():
        with unit_of_work():  # the test is the entry point: it owns the transaction
            _, key = api_keys.issue_key(db.session.get(User, admin_id), "แอปทดสอบ Open311")
    return key


@pytest.fixture
def live(app):
    """The app on a loopback port, for HTTP clients."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


def root(live: str) -> str:
    return f"{live}/open311/v2"


def form(key: str, **fields) -> dict:
    body = {
        "api_key": key,
        "service_code": "ถนน",
        "lat": "13.7563",
        "long": "100.5018",
        "address_string": "หน้าตลาดบางรัก ถนนเจริญกรุง",
        "description": "ถนนทรุดเป็นหลุมใหญ่ รถจักรยานยนต์ล้ม",
        **PERSON,
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def xml_root(response) -> ET.Element:
    assert response.headers["Content-Type"].startswith("text/xml")
    assert "charset=utf-8" in response.headers["Content-Type"]
    body = response.content if hasattr(response, "content") else response.data
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)


def spec_errors(response, fmt: str, status: int) -> list[str]:
    """The descriptions of a spec error answer, checked for shape."""
    assert response.status_code == status, response.data
    if fmt == "xml":
        doc = xml_root(response)
        assert doc.tag == "errors" and doc.findall("error")
        for item in doc.findall("error"):
            assert children(item) == ["code", "description"]
            assert item.findtext("code") == str(status)
        return [item.findtext("description") for item in doc.findall("error")]
    assert response.headers["Content-Type"].startswith("application/json")
    items = response.get_json()
    assert isinstance(items, list) and items
    for item in items:
        assert list(item) == ["code", "description"] and item["code"] == status
    return [item["description"] for item in items]


def post(client, fmt: str, data: dict):
    return client.post(f"/open311/v2/requests.{fmt}", data=data)


# --- discovery, services, definitions ---------------------------------------


def test_discovery_in_both_formats(live):
    as_json = requests.get(f"{root(live)}/discovery.json", timeout=10)
    assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
    doc = as_json.json()
    assert list(doc) == DISCOVERY_FIELDS
    endpoint = doc["endpoints"][0]
    assert list(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", doc["changeset"])

    xml = xml_root(requests.get(f"{live}/open311/discovery.xml", timeout=10))
    assert xml.tag == "discovery" and children(xml) == DISCOVERY_FIELDS
    endpoint = xml.find("endpoints/endpoint")
    assert children(endpoint) == ENDPOINT_FIELDS
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_definitions_through_an_open311_client(live, fmt):
    client = GeoReport(root(live), output_format=fmt)
    services = client.get_service_list()
    assert len(services) == 24
    roads = next(s for s in services if s["service_code"] == "ถนน")
    assert list(roads) == SERVICE_FIELDS
    assert roads["service_name"] == "ถนน" and roads["description"] == "Roads"
    assert roads["group"] == "ฝ่ายโยธา"  # the unit that handles it
    assert str(roads["metadata"]).lower() == "true" and roads["type"] == "realtime"
    # A code with a dot in it is still one service.
    definition = client.get_service_definition("PM2.5")
    assert definition["service_code"] == "PM2.5"
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == [
        "kind",
        "title",
        "province",
        "district",
        "subdistrict",
        "anonymous",
        "privacy_notice",
    ]
    for attribute in attributes:
        assert list(attribute) == ATTRIBUTE_FIELDS
    kind = attributes[0]
    values = kind["values"] if fmt == "json" else kind["values"]["value"]
    assert [v["key"] for v in values] == ["complaint", "suggestion", "compliment", "tip_off"]
    privacy = attributes[-1]
    assert str(privacy["variable"]).lower() == "false" and "Personal Data Protection Act" in privacy["description"]


def test_services_in_english_and_xml_element_names(client):
    doc = xml_root(client.get("/open311/v2/services.xml?lang=en"))
    assert doc.tag == "services" and set(children(doc)) == {"service"}
    roads = next(s for s in doc if s.findtext("service_code") == "ถนน")
    assert children(roads) == SERVICE_FIELDS
    assert roads.findtext("service_name") == "Roads" and roads.findtext("description") == "ถนน"
    definition = xml_root(client.get("/open311/v2/services/น้ำท่วม.xml"))
    assert definition.tag == "service_definition" and children(definition) == ["service_code", "attributes"]
    assert children(definition.find("attributes/attribute")) == ATTRIBUTE_FIELDS
    assert children(definition.find("attributes/attribute/values/value")) == ["key", "name"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_and_resource_answer_404_in_spec_format(client, fmt):
    (text,) = spec_errors(client.get(f"/open311/v2/services/ไม่มีบริการนี้.{fmt}"), fmt, 404)
    assert "service_code" in text and "ไม่พบ" in text and "not found" in text
    spec_errors(client.get(f"/open311/v2/nothing-here.{fmt}"), fmt, 404)
    spec_errors(client.get(f"/open311/v2/requests/RR-2569-0000-0000.{fmt}"), fmt, 404)
    spec_errors(client.get(f"/open311/v2/tokens/no-such-token.{fmt}"), fmt, 404)


# --- POST requests ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_goes_through_intake_and_reads_back(app, live, api_key, fmt):
    response = requests.post(
        f"{root(live)}/requests.{fmt}",
        timeout=30,
        data=form(
            api_key,
            **{
                "attribute[kind]": "suggestion",
                "attribute[title]": "หลุมบนถนนเจริญกรุง",
                "media_url": "https://example.org/photos/1.jpg",
                "account_id": "acct-42",
                "device_id": "dev-1",
                "jurisdiction_id": "anything.example",
            },
        ),
    )
    assert response.status_code == 200, response.text
    if fmt == "json":
        (answer,) = response.json()
    else:
        doc = xml_root(response)
        assert doc.tag == "service_requests"
        (item,) = doc.findall("request")
        assert children(item) == POST_ANSWER_FIELDS
        answer = {child.tag: child.text for child in item}
    assert list(answer) == POST_ANSWER_FIELDS
    number = answer["service_request_id"]
    assert re.fullmatch(r"RR-25\d\d-[0-9A-Z]{4}-[0-9A-Z]{4}", number)
    assert answer["account_id"] == "acct-42" and "มาตรฐาน" in answer["service_notice"]

    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert (complaint.channel, complaint.kind, complaint.title) == ("open311", "suggestion", "หลุมบนถนนเจริญกรุง")
        assert complaint.category.code == "ถนน" and (complaint.lat, complaint.lon) == (13.7563, 100.5018)
        person = complaint.complainant
        assert (person.name, person.email, person.phone) == ("มาลี ศรีสุข", PERSON["email"], PERSON["phone"])
        extra = db.session.scalar(select(Open311Request).where(Open311Request.complaint_id == complaint.id))
        assert (extra.media_url, extra.account_id, extra.device_id) == (
            "https://example.org/photos/1.jpg",
            "acct-42",
            "dev-1",
        )
        assert extra.api_key.last_used_at is not None

    client = GeoReport(root(live), output_format=fmt)
    one = client.get_service_request(number)
    assert list(one) == REQUEST_FIELDS
    assert one["service_request_id"] == number and one["status"] == "open"
    assert one["description"] == "ถนนทรุดเป็นหลุมใหญ่ รถจักรยานยนต์ล้ม"
    assert one["service_code"] == "ถนน" and one["service_name"] == "ถนน"
    assert one["media_url"] == "https://example.org/photos/1.jpg"
    assert float(one["lat"]) == 13.7563 and float(one["long"]) == 100.5018
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert one[name].endswith("+07:00")
        assert datetime.fromisoformat(one[name]).utcoffset() == timedelta(hours=7)
    listed = client.get_service_requests()
    listed = [listed] if isinstance(listed, dict) else listed  # xmltodict gives one request as a dict
    assert [r["service_request_id"] for r in listed] == [number]

    # Personal data never comes back from GET, in either format.
    for path in (f"requests.{fmt}", f"requests/{number}.{fmt}", f"requests.{fmt}?service_request_id={number}"):
        text = requests.get(f"{root(live)}/{path}", timeout=10).text
        for value in PERSON.values():
            assert value not in text
        assert "acct-42" not in text and "dev-1" not in text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_api_key_is_403_and_stores_nothing(app, client, api_key, fmt):
    before = counts(app)
    for key in (None, "", "rr311_wrong", api_key + "x", "x" * 5000):
        (text,) = spec_errors(
            post(client, fmt, form(key) if key is not None else {k: v for k, v in form("").items() if k != "api_key"}),
            fmt,
            403,
        )
        assert "api_key" in text
    with app.app_context():
        row = db.session.scalars(select(ApiKey)).one()
        with unit_of_work():
            api_keys.revoke_key(db.session.get(User, row.created_by_id), row)
    spec_errors(post(client, fmt, form(api_key)), fmt, 403)
    assert counts(app) == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_or_unknown_service_code(app, client, api_key, fmt):
    before = counts(app)
    (text,) = spec_errors(post(client, fmt, form(api_key, service_code="")), fmt, 400)
    assert "service_code" in text and "not provided" in text
    (text,) = spec_errors(post(client, fmt, form(api_key, service_code="ไม่มี")), fmt, 404)
    assert "service_code" in text
    assert counts(app) == before


HOSTILE = [
    ({"description": "<script>alert(1)</script> ถนนพัง"}, "description"),
    ({"description": "ดูที่ <a href='javascript:alert(1)'>นี่</a>"}, "description"),
    ({"description": "ก" * 4001}, "description"),
    ({"description": "\u200b\u200c\u200d\ufeff"}, "description"),
    ({"lat": "abc"}, "lat"),
    ({"lat": "91"}, "lat"),
    ({"lat": "nan"}, "lat"),
    ({"long": "-inf"}, "long"),
    ({"long": None}, "lat"),
    ({"lat": None, "long": None, "address_string": None}, "lat"),
    ({"address_id": "99"}, "address_id"),
    ({"attribute[kind]": "bribe"}, "attribute[kind]"),
    ({"attribute[unknown]": "x"}, "attribute[unknown]"),
    ({"attribute[title][]": "x"}, "attribute[title][]"),
    ({"attribute[title]": "<img src=x onerror=alert(1)>"}, "attribute[title]"),
    ({"attribute[province]": "Atlantis"}, "attribute[province]"),
    ({"attribute[anonymous]": "true"}, "email"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"phone": "'; DROP TABLE complaints; --"}, "phone"),
    ({"email": "not-an-email"}, "email"),
    ({"first_name": "<b>x</b>"}, "first_name"),
    ({"address_string": "ก" * 501}, "address_string"),
    ({"account_id": "a\x00b"}, "account_id"),
]


@pytest.mark.parametrize("fields,field", HOSTILE, ids=[f"{f}-{i}" for i, (_, f) in enumerate(HOSTILE)])
def test_malformed_and_hostile_input_is_refused_and_nothing_stored(app, client, api_key, fields, field):
    before = counts(app)
    for fmt in ("json", "xml"):
        texts = spec_errors(post(client, fmt, form(api_key, **fields)), fmt, 400)
        assert any(t.startswith(field + ":") for t in texts), texts
        # Thai and English in every description.
        assert all(re.search("[ก-๙]", t) and re.search("[A-Za-z]{3}", t) for t in texts)
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(Open311Request.id)) is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_oversized_body_and_unknown_format(app, client, api_key, fmt):
    before = counts(app)
    huge = form(api_key, description="ก" * (app.config["MAX_CONTENT_LENGTH"] // 3 + 10))
    (text,) = spec_errors(post(client, fmt, huge), fmt, 413)
    assert "too large" in text
    assert counts(app) == before
    # Only .json and .xml exist; anything else is an unknown resource.
    spec_errors(client.get("/open311/v2/services.csv"), "json", 404)
    spec_errors(client.put(f"/open311/v2/requests.{fmt}", data=form(api_key)), fmt, 404)


def test_request_without_description_uses_the_service_and_address_id_is_a_dopa_code(app, client, api_key):
    response = post(
        client,
        "json",
        form(
            api_key,
            description=None,
            lat=None,
            long=None,
            address_string=None,
            address_id="100101",
            email=None,
            first_name=None,
            last_name=None,
            phone=None,
        ),
    )
    assert response.status_code == 200, response.data
    number = response.get_json()[0]["service_request_id"]
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert complaint.description == "ถนน (Roads)"
        assert (complaint.province, complaint.subdistrict, complaint.area_code) == (
            "กรุงเทพมหานคร",
            "พระบรมมหาราชวัง",
            "100101",
        )
        assert complaint.complainant_id is None
    (one,) = client.get(f"/open311/v2/requests/{number}.json").get_json()
    assert one["address_id"] == "100101" and one["zipcode"] == "10200"


def test_xml_output_escapes_and_drops_what_xml_cannot_carry(app, client, api_key):
    number = post(client, "json", form(api_key, description="ราคา 5 < 10 & \"ถูก\" ]]> 'ใช่'")).get_json()[0][
        "service_request_id"
    ]
    with app.app_context():  # a value from elsewhere carrying a character XML 1.0 forbids
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        complaint.address = "ซอย\x01 5"
        db.session.commit()
    item = xml_root(client.get(f"/open311/v2/requests/{number}.xml")).find("request")
    assert item.findtext("description") == "ราคา 5 < 10 & \"ถูก\" ]]> 'ใช่'"
    assert item.findtext("address") == "ซอย 5"


# --- GET requests: filters and limits ---------------------------------------


def _post_number(client, key, **fields) -> str:
    response = post(client, "json", form(key, **fields))
    assert response.status_code == 200, response.data
    return response.get_json()[0]["service_request_id"]


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [r["service_request_id"] for r in response.get_json()]


def test_filters_and_default_limits(app, client, api_key, monkeypatch):
    road = _post_number(client, api_key)
    flood = _post_number(client, api_key, service_code="น้ำท่วม", description="น้ำท่วมขังหน้าโรงเรียน")
    old = _post_number(client, api_key, service_code="น้ำท่วม", description="น้ำท่วมซอยเมื่อหลายเดือนก่อน")
    with app.app_context():

        def set_(number, **values):
            db.session.execute(Complaint.__table__.update().where(Complaint.tracking_number == number).values(**values))

        set_(road, status="resolved")
        set_(old, received_at=utcnow() - timedelta(days=120))
        db.session.commit()

    # Default: the most recent 90 days, newest first.
    assert _ids(client.get("/open311/v2/requests.json")) == [flood, road]
    assert _ids(client.get("/open311/v2/requests.json?status=closed")) == [road]
    assert _ids(client.get("/open311/v2/requests.json?status=open")) == [flood]
    assert _ids(client.get("/open311/v2/requests.json?status=open,closed")) == [flood, road]
    assert _ids(client.get("/open311/v2/requests.json?status=closed&status=open")) == [flood, road]
    assert _ids(client.get("/open311/v2/requests.json?service_code=น้ำท่วม")) == [flood]
    assert _ids(client.get("/open311/v2/requests.json?service_code=น้ำท่วม,ถนน&status=closed")) == [road]
    # Empty parameters count as not given.
    assert _ids(client.get("/open311/v2/requests.json?status=&service_code=&start_date=")) == [flood, road]
    (item,) = client.get(f"/open311/v2/requests.json?service_request_id={road}").get_json()
    assert item["status"] == "closed"

    # Dates: a window of at most 90 days; start alone runs 90 days on.
    start = (utcnow() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (utcnow() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(client.get(f"/open311/v2/requests.json?start_date={start}&end_date={end}")) == [old]
    assert _ids(client.get(f"/open311/v2/requests.json?start_date={start}")) == [old]
    assert _ids(client.get(f"/open311/v2/requests.json?end_date={end}")) == [old]

    # service_request_id overrides every other argument, old or closed; unknown ones are simply absent.
    query = f"service_request_id={old},{road},RR-2569-0000-0000,junk&status=open&service_code=คลอง"
    assert set(_ids(client.get(f"/open311/v2/requests.json?{query}"))) == {old, road}

    # At most MAX_RESULTS (1000 in the spec), the newest.
    monkeypatch.setattr(open311, "MAX_RESULTS", 1)
    assert _ids(client.get("/open311/v2/requests.json")) == [flood]


@pytest.mark.parametrize(
    "query,status,field",
    [
        ("status=pending", 400, "status"),
        ("start_date=yesterday", 400, "start_date"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400, "end_date"),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", 400, "end_date"),
        ("service_code=ไม่มี", 404, "service_code"),
        ("service_request_id=" + ",".join(["RR-2569-0000-0000"] * 101), 400, "service_request_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_answer_in_spec_format(client, query, status, field, fmt):
    (text,) = spec_errors(client.get(f"/open311/v2/requests.{fmt}?{query}"), fmt, status)
    assert text.startswith(field + ":")


def test_other_channels_and_tip_offs_show_no_description_or_place(app, client, api_key):
    web = submit_api(client, location={"lat": 13.7, "lon": 100.5, "address": "บ้านเลขที่ 9"})
    tip = _post_number(client, api_key, **{"attribute[kind]": "tip_off", "description": "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะ"})
    listed = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").get_json()}
    assert tip not in listed  # tip-offs are never listed
    item = listed[web]
    assert item["service_code"] == "ถนน" and item["status"] == "open"
    assert all(item[f] is None for f in ("description", "address", "lat", "long", "media_url", "address_id"))
    # By its id a tip-off is unknown, even to the client that sent it (access.visible_complaints).
    assert client.get(f"/open311/v2/requests/{tip}.json").status_code == 404
    by_ids = client.get(f"/open311/v2/requests.xml?service_request_id={tip}").text
    assert tip not in by_ids and "ใต้โต๊ะ" not in by_ids


def test_status_notes_are_the_public_answer_masked(app, client, api_key):
    number = _post_number(client, api_key)
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        db.session.add(TimelineEvent(complaint=complaint, kind="reply", public=True, text="ซ่อมแล้ว ติดต่อ 0812345678"))
        db.session.add(TimelineEvent(complaint=complaint, kind="note", public=False, text="บันทึกลับเฉพาะเจ้าหน้าที่"))
        db.session.commit()
    (one,) = client.get(f"/open311/v2/requests/{number}.json").get_json()
    assert one["status_notes"].startswith("ซ่อมแล้ว") and "0812345678" not in one["status_notes"]
    assert "บันทึกลับ" not in json.dumps(one, ensure_ascii=False)


def test_a_get_masks_names_line_ids_emails_and_plates_in_the_description(app, client, api_key):
    """Issue 16: an Open311 GET showed a name, a LINE id and an e-mail address."""
    number = _post_number(
        client,
        api_key,
        description=(
            "เรียนคุณสมชาย ทดสอบ ถนนทรุดหน้าบ้านคุณสมศรี มีสุข ติดต่อ line @somchai99 "
            "หรือ somchai＠gmail.com รถทะเบียน กข 1234 กรุงเทพมหานคร จอดขวางทุกวัน"
        ),
    )
    (one,) = client.get(f"/open311/v2/requests/{number}.json").get_json()
    listed = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").get_json()}
    xml = client.get(f"/open311/v2/requests/{number}.xml").text
    for text in (one["description"], listed[number]["description"], xml):
        assert "ถนนทรุด" in text and "จอดขวางทุกวัน" in text  # the complaint still reads
        for secret in ("สมชาย", "ทดสอบ", "สมศรี", "มีสุข", "somchai", "gmail", "1234"):
            assert secret not in text, (secret, text)
    assert one["description"].count("[ชื่อบุคคล]") == 2 and "[ไลน์]" in one["description"]
    assert "[อีเมล]" in one["description"] and "[ทะเบียนรถ]" in one["description"]


# --- tokens, jurisdiction, rate limit ---------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_batch_services_answer_a_token_that_resolves(app, live, api_key, fmt):
    app.config["OPEN311_SERVICE_TYPE"] = "batch"
    response = requests.post(f"{root(live)}/requests.{fmt}", data=form(api_key), timeout=30)
    assert response.status_code == 200
    if fmt == "json":
        (answer,) = response.json()
    else:
        answer = {c.tag: c.text for c in xml_root(response).find("request")}
    assert list(answer) == ["token", "service_notice", "account_id"]
    token = answer["token"]
    resolved = requests.get(f"{root(live)}/tokens/{token}.{fmt}", timeout=10)
    if fmt == "json":
        (item,) = resolved.json()
    else:
        doc = xml_root(resolved)
        assert doc.tag == "service_requests"
        item = {c.tag: c.text for c in doc.find("request")}
    assert list(item) == ["service_request_id", "token"] and item["token"] == token
    with app.app_context():
        assert db.session.scalar(select(Complaint.tracking_number)) == item["service_request_id"]
    services = GeoReport(root(live)).get_service_list()
    assert {s["type"] for s in services} == {"batch"}


def test_a_configured_jurisdiction_is_checked(app, client, api_key):
    app.config["OPEN311_JURISDICTION_ID"] = "rongrian.example"
    assert client.get("/open311/v2/services.json?jurisdiction_id=rongrian.example").status_code == 200
    assert client.get("/open311/v2/services.json").status_code == 200
    (text,) = spec_errors(client.get("/open311/v2/services.xml?jurisdiction_id=other.example"), "xml", 404)
    assert "jurisdiction_id" in text
    spec_errors(post(client, "json", form(api_key, jurisdiction_id="other.example")), "json", 404)


def test_posts_are_rate_limited_in_spec_format(app, client, api_key):
    app.config["INTAKE_RATE_LIMIT"] = "2 per minute"
    assert [post(client, "json", form(api_key)).status_code for _ in range(2)] == [200, 200]
    limited = post(client, "xml", form(api_key))
    (text,) = spec_errors(limited, "xml", 429)
    assert "Too many requests" in text and "Retry-After" in limited.headers


# --- admin: issuing and revoking keys ---------------------------------------


def test_admin_issues_a_key_shown_once_stored_hashed_and_revokes_it(app, client):
    make_staff(app, "root311", "admin", None)
    login(client, "root311")
    page = client.get("/admin/api-keys")
    assert page.status_code == 200 and "Open311" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    issued = client.post("/admin/api-keys", data={"name": "FixMyCity app", "csrf_token": token})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    key = re.search(r'<output id="new-api-key">(rr311_[A-Za-z0-9_-]{40,})</output>', issued.text).group(1)
    assert key not in client.get("/admin/api-keys").text  # shown once
    with app.app_context():
        row = db.session.scalars(select(ApiKey)).one()
        assert row.name == "FixMyCity app" and row.key_hash == api_keys.digest(key)
        stored = " ".join(str(v) for v in (row.name, row.prefix, row.key_hash))
        assert key not in stored and key.startswith(row.prefix)
        key_id = row.id
    assert post(client, "json", form(key)).status_code == 200
    refused = client.post("/admin/api-keys", data={"name": "<script>x</script>", "csrf_token": token})
    assert refused.status_code == 422 and "new-api-key" not in refused.text
    revoked = client.post(f"/admin/api-keys/{key_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert "เพิกถอนแล้ว" in client.get("/admin/api-keys").text
    spec_errors(post(client, "json", form(key)), "json", 403)


def test_api_key_pages_are_for_admins_only(app, client):
    make_staff(app, "officer311", "officer", "public-works")
    login(client, "officer311")
    assert client.get("/admin/api-keys").status_code == 403
    token = csrf_from(client.get("/officer/").text)
    assert client.post("/admin/api-keys", data={"name": "x", "csrf_token": token}).status_code == 403


# --- PostgreSQL -------------------------------------------------------------


@pytest.mark.postgres
def test_open311_round_trip_on_postgresql(pg_app):
    client = pg_app.test_client()
    admin_id = make_staff(pg_app, "pgadmin311", "admin", None)
    with pg_app.app_context():
        with unit_of_work():
            _, key = api_keys.issue_key(db.session.get(User, admin_id), "pg client")
    before = counts(pg_app)
    spec_errors(post(client, "xml", form(key, lat="nan")), "xml", 400)
    assert counts(pg_app) == before
    number = _post_number(client, key, service_code="น้ำท่วม")
    other = _post_number(client, key)
    assert _ids(client.get("/open311/v2/requests.json?service_code=น้ำท่วม&status=open")) == [number]
    assert set(_ids(client.get(f"/open311/v2/requests.json?service_request_id={number},{other}"))) == {number, other}
    doc = xml_root(client.get(f"/open311/v2/requests/{number}.xml"))
    assert children(doc.find("request")) == REQUEST_FIELDS
    with pg_app.app_context():
        assert db.session.scalar(select(Complainant.email)) == PERSON["email"]
    assert PERSON["email"] not in client.get("/open311/v2/requests.xml").text
