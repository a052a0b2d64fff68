"""`?page=` on every paged list: any value gives a page (empty past the end), never a 500."""

from __future__ import annotations

import pytest

from complaints.ids import MAX_PAGE, page_number

HOSTILE = ["99999999999999999999", "-1", "0", "abc", "1e9", "²", "٣", " 2 ", "", "1_000"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("3", 3),
        (" 2 ", 2),
        ("0", 1),
        ("-1", 1),
        ("abc", 1),
        (None, 1),
        ("99999999999999999999", 1),
        (str(MAX_PAGE + 1), MAX_PAGE),
    ],
)
def test_page_number(raw, expected):
    assert page_number(raw) == expected


@pytest.mark.parametrize("path", ["/officer/?page={}", "/manager/complaints?page={}", "/admin/outbox?page={}"])
def test_a_huge_or_hostile_page_number_is_a_page_not_a_500(staff_client, path):
    client = staff_client("admin")
    for raw in HOSTILE:
        response = client.get(path.format(raw))
        assert response.status_code == 200, (path, raw, response.status_code)
        assert "<html" in response.get_data(as_text=True).lower()
    assert client.get(path.format(str(MAX_PAGE))).status_code == 200
