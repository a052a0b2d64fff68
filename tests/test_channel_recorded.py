"""Every channel is recorded on the complaint (criterion 3.4 evidence): phone and counter by officers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint
from tests.helpers import csrf_from, login, make_staff


@pytest.mark.parametrize("channel,document_number", [("phone", None), ("counter", "ศธ 0201/77")])
def test_officer_entry_records_phone_and_counter(app, channel, document_number):
    make_staff(app, "entry-officer", "officer", "public-works")
    officer = app.test_client()
    assert login(officer, "entry-officer").status_code == 302
    token = csrf_from(officer.get("/officer/complaints/new").text)
    response = officer.post(
        "/officer/complaints/new",
        data={
            "csrf_token": token,
            "channel": channel,
            "document_number": document_number or "",
            "kind": "complaint",
            "description": f"รับเรื่องทาง{channel}: ไฟทางดับ",
            "name": "นางสาวมาลี",
            "phone": "0812223333",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        complaint = db.session.scalar(select(Complaint))
        assert (complaint.channel, complaint.document_number) == (channel, document_number)
