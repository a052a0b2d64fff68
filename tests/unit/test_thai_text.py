import pytest

from complaints.nlp.cleaning import UnsafeText, clean_text


def test_zero_width_and_control_characters_are_removed():
    assert clean_text("ถนน\u200bเป็น\u200cหลุม\x00\x07\ufeff") == "ถนนเป็นหลุม"


def test_bidi_overrides_are_removed():
    assert clean_text("abc\u202edef") == "abcdef"


def test_thai_vowel_order_is_repaired():
    # Two sara e typed for sara ae, and a doubled tone mark.
    assert clean_text("เเปลก ก่่อน") == "แปลก ก่อน"


def test_newlines_are_kept_in_multiline_text_and_folded_in_single_line():
    assert clean_text("บรรทัดหนึ่ง\r\nบรรทัดสอง") == "บรรทัดหนึ่ง\nบรรทัดสอง"
    assert clean_text("หนึ่ง\nสอง\tสาม", multiline=False) == "หนึ่ง สอง สาม"


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "ดู <a href='x'>นี่</a>",
        "javascript:alert(1)",
        "< script >x",
        "<svg/onload=alert(1)>",
        "<!-- x -->",
    ],
)
def test_markup_is_refused(hostile):
    with pytest.raises(UnsafeText):
        clean_text(hostile)


def test_a_lone_less_than_sign_is_ordinary_text():
    assert clean_text("ระดับน้ำ < 5 ซม. และ 3 > 2") == "ระดับน้ำ < 5 ซม. และ 3 > 2"


def test_only_invisible_characters_leave_nothing():
    assert clean_text("\u200b\u200b \u200d\n") == ""


def test_photo_display_names_keep_thai_and_lose_paths():
    from complaints.services.casework.photos import display_name

    assert display_name("หลุมบนถนน.png", "png") == "หลุมบนถนน.png"
    assert display_name("../../etc/passwd", "jpg") == "passwd.jpg"  # the name ends in the content's type
    assert display_name("C:\\Users\\x\\รูป 1.jpg", "jpg") == "รูป 1.jpg"
    assert display_name("<script>.png", "png") == "script.png"
    assert display_name("\u202e\x00..", "png") == "photo.png"
    assert display_name("report.html", "pdf") == "report.html.pdf"
    assert display_name("IMG_0001.JPEG", "jpg") == "IMG_0001.JPEG"
    assert display_name("ก" * 300 + ".html", "png").endswith(".png")
