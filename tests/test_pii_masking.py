"""PII masking (PDPA): each rule with texts it must mask and texts it must leave alone."""

from __future__ import annotations

import time

import pytest

from complaints.nlp.pii_masking import PLACEHOLDERS, MaskResult, mask_pii, mask_text

ID = PLACEHOLDERS["national_id"]
PHONE = PLACEHOLDERS["phone"]
EMAIL = PLACEHOLDERS["email"]
LINE = PLACEHOLDERS["line_id"]
NAME = PLACEHOLDERS["name"]
ACCOUNT = PLACEHOLDERS["bank_account"]
PLATE = PLACEHOLDERS["plate"]

# Check digits worked out by hand with the official formula
# (11 - sum(d[i] * (13 - i)) % 11) % 10.
VALID_IDS = ["1101700011089", "3100601234565", "1234567890121", "5700100345675"]


def kinds(text: str) -> list[str]:
    return [kind for kind, _, _ in mask_pii(text).found]


# --- API and offsets -------------------------------------------------------------


def test_result_is_frozen_with_masked_text_and_spans_in_the_original():
    text = "นายสมชาย ใจดี โทร 081-234-5678 อีเมล somchai@example.com"
    result = mask_pii(text)
    assert isinstance(result, MaskResult)
    assert result.text == f"นาย{NAME} โทร {PHONE} อีเมล {EMAIL}"
    assert [(kind, text[start:end]) for kind, start, end in result.found] == [
        ("name", "สมชาย ใจดี"),
        ("phone", "081-234-5678"),
        ("email", "somchai@example.com"),
    ]
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]
    assert mask_text(text) == result.text


def test_offsets_rebuild_the_masked_text():
    text = "ผู้แจ้ง น.ส.สมหญิง รักดี 02-123-4567 บัตร 1-1017-00011-08-9 line id: som_h"
    result = mask_pii(text)
    rebuilt, last = [], 0
    for kind, start, end in result.found:
        rebuilt += [text[last:start], PLACEHOLDERS[kind]]
        last = end
    assert "".join(rebuilt + [text[last:]]) == result.text
    assert [k for k, _, _ in result.found] == ["name", "phone", "national_id", "line_id"]


def test_empty_and_clean_text_come_back_unchanged():
    assert mask_pii("") == MaskResult("", ())
    clean = "ถนนเป็นหลุมลึก หน้าซอย 24 รถติดมาก"
    assert mask_pii(clean) == MaskResult(clean, ())


@pytest.mark.parametrize(
    "text",
    [
        "นายสมชาย ใจดี โทร 081-234-5678",
        "ติดต่อ LINE: somchai_99 หรือ a.b@example.co.th เลข 1101700011089",
        "ขอบคุณค่ะ\nเขมณัฏฐ์\n0860761818",
        "คุณสมศรี [เบอร์โทร] และ [ชื่อบุคคล] ใจดี",
        "เลขบัญชี 123-4-56789-0 ref 123456789012",
    ],
)
def test_masking_is_idempotent(text):
    once = mask_text(text)
    assert mask_pii(once) == MaskResult(once, ())


# --- national ID -----------------------------------------------------------------


@pytest.mark.parametrize("number", VALID_IDS)
@pytest.mark.parametrize("shape", ["plain", "dashes", "spaces"])
def test_valid_national_ids_are_masked_in_every_written_form(number, shape):
    d = number
    written = {
        "plain": d,
        "dashes": f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}",
        "spaces": f"{d[0]} {d[1:5]} {d[5:10]} {d[10:12]} {d[12]}",
    }[shape]
    assert mask_text(f"เลขบัตรประชาชน {written} ครับ") == f"เลขบัตรประชาชน {ID} ครับ"


def test_national_id_in_thai_digits_is_masked():
    assert mask_text("เลขประจำตัว ๑-๑๐๑๗-๐๐๐๑๑-๐๘-๙") == f"เลขประจำตัว {ID}"
    assert mask_text("๑๑๐๑๗๐๐๐๑๑๐๘๙") == ID


@pytest.mark.parametrize(
    "number",
    [
        "1101700011080",
        "1101700011081",
        "3100601234560",
        "1234567890123",
        "5700100345671",
        "1-1017-00011-08-0",
        "3 1006 01234 56 0",
    ],
)
def test_thirteen_digits_failing_the_check_digit_are_left_alone(number):
    assert mask_pii(f"เลข {number}").found == ()


def test_national_id_glued_to_more_digits_is_not_an_id():
    assert kinds("11017000110891") == []
    assert kinds("ref 91101700011089") == []


# --- phones ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "081-234-5678",
        "0812345678",
        "081 234 5678",
        "081.234.5678",
        "08-1234-5678",
        "0812-345-678",
        "081-2345678",
        "061 535 1497",
        "091-234-5678",
        "02-123-4567",
        "021234567",
        "02 725 9000",
        "(02) 123 4567",
        "053-123-456",
        "053-123456",
        "+66 81 234 5678",
        "+66812345678",
        "+66-2-123-4567",
        "+66 (0) 81 234 5678",
        "๐๘๑-๒๓๔-๕๖๗๘",
        "๐๒ ๑๒๓ ๔๕๖๗",
    ],
)
def test_phone_numbers_are_masked(phone):
    result = mask_pii(f"ติดต่อ {phone} ได้ตลอด")
    assert result.text == f"ติดต่อ {PHONE} ได้ตลอด"
    assert result.found == (("phone", 7, 7 + len(phone)),)


def test_phone_glued_to_thai_words_and_punctuation():
    assert mask_text("โทร081-552-4548 เพื่อนบ้าน") == f"โทร{PHONE} เพื่อนบ้าน"
    assert mask_text("โทร.089-230-6440, 0979929481///") == f"โทร.{PHONE}, {PHONE}///"
    assert mask_text("(0813074739)") == f"({PHONE})"
    assert mask_text("084-191-5061/095-160-1037") == f"{PHONE}/{PHONE}"


@pytest.mark.parametrize(
    "text",
    [
        "วันที่ 26/11/2569 เวลา 10:30 น.",
        "๒๖/๑๑/๒๕๖๙",
        "แจ้งตั้งแต่ 01-04-2022 แล้ว",
        "เวลา 06.00-08.30 และ 13.00-17.30 น.",
        "ห้ามจอด 6.00-9.00 และ 16.00-20.00",
        "บ้านเลขที่ 123/45 ซอย 24 หมู่ 5",
        "99/71 ซอยนางลิ้นจี่3",
        "ค่าปรับ 1,500 บาท และ 12,500.50 บาท",
        "กรุงเทพฯ 10900",
        "เลขที่เรื่อง RR-2569-7K3M-Q2XD",
        "RR-2569-0812-3456",
        "พิกัด 13.7700941, 100.5707274",
        "https://www.google.com/maps/@13.837809,100.5746454,18z/data=!3m1!4b1",
        "สายด่วน 1555 หรือ 191",
        "เลขที่หนังสือ 08123456789012",
        "ปี 2565 เดือน 11 วัน 0812",
    ],
)
def test_dates_times_house_numbers_amounts_postcodes_and_tracking_numbers_are_left_alone(text):
    assert mask_pii(text).found == ()


def test_zero_width_characters_inside_a_phone_number_do_not_hide_it():
    # mask_pii does not rely on the caller having run thai_text.clean_text: the
    # invisible characters are looked through and masked along with the number.
    text = "โทร 081\u200b234\u200b5678 ค่ะ"
    result = mask_pii(text)
    assert result.text == f"โทร {PHONE} ค่ะ"
    assert result.found == (("phone", 4, 16),)
    assert mask_text("081\u200b234\u200b5678") == PHONE
    assert mask_text("นายสม\u200bชาย ใจ\u200cดี") == f"นาย{NAME}"


def test_zero_width_characters_outside_a_span_are_kept():
    assert mask_text("\u200bถนน\u200bพัง 0812345678") == f"\u200bถนน\u200bพัง {PHONE}"


# --- e-mail and LINE -------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "somchai@example.com",
        "a.b@example.co.th",
        "first.last+tag@mail.go.th",
        "t0rton@hotmail.com",
        "citylaw_bma@hotmail.com",
    ],
)
def test_email_addresses_are_masked(address):
    assert mask_text(f"อีเมล: {address} ครับ") == f"อีเมล: {EMAIL} ครับ"


@pytest.mark.parametrize(
    "text",
    [
        "หน้าคอนโด Life@Ratchada คับแคบ",
        "แจ้งผ่าน Line@อัศวิน คลายทุกข์",
        "https://goo.gl/maps/x/10400/@13.7700993,100.5685334,17z",
        "อีเมลไม่ถูกต้อง user@localhost",
    ],
)
def test_things_with_an_at_sign_that_are_not_addresses_are_left_alone(text):
    assert mask_pii(text).found == ()


@pytest.mark.parametrize(
    "cue, ident",
    [
        ("LINE: ", "someid"),
        ("LINE : ", "some.id-99"),
        ("ไลน์ไอดี ", "someid"),
        ("ไลน์: ", "somchai_99"),
        ("line id ", "@shop"),
        ("Line ID : ", "poowaranya2518"),
        ("lineid: ", "marktono71031"),
        ("ID line: ", "xxx1"),
        ("ไอดีไลน์ ", "somchai"),
        # "line @id" is a person's id as often as an official account's: masked either way.
        ("line ", "@somchai99"),
        ("ไลน์ ", "@somchai99"),
        ("Line ", "@TraffyFondue"),
    ],
)
def test_line_ids_after_a_cue_are_masked_and_the_cue_kept(cue, ident):
    assert mask_text(f"ติดต่อ {cue}{ident} นะครับ") == f"ติดต่อ {cue}{LINE} นะครับ"


def test_line_id_at_the_end_of_a_sentence_keeps_the_full_stop():
    assert mask_text("line id: somchai.") == f"line id: {LINE}."


def test_line_user_id_is_masked():
    user_id = "U" + "0123456789abcdef" * 2
    assert mask_pii(f"userId {user_id}").found == (("line_id", 7, 40),)


@pytest.mark.parametrize(
    "text",
    [
        "แจ้งทาง line ยังไม่ได้",
        "ไลน์ผลิตเสียงดังทั้งคืน",  # a production line
        "สาย line 2 ของรถไฟฟ้า",
        "ขายของ online ทุกวัน",
        "ไรเดอร์ Lineman จอดขวาง",
        "hotline 1555",
        "ช่องทางออนไลน์: www.bangkok.go.th",
        "U0123456789abcdef0123456789abcde",  # 31 hex digits
    ],
)
def test_line_words_without_an_id_are_left_alone(text):
    assert mask_pii(text).found == ()


# --- bank accounts ---------------------------------------------------------------


def test_account_numbers_after_an_account_word_are_masked():
    assert mask_text("โอนเข้าบัญชี ธนาคารกรุงไทย 088-6-00170-6 แล้ว") == (f"โอนเข้าบัญชี ธนาคารกรุงไทย {ACCOUNT} แล้ว")
    assert mask_text("เลขบัญชี 1234567890") == f"เลขบัญชี {ACCOUNT}"
    assert mask_text("a/c no. 123-456789-0") == f"a/c no. {ACCOUNT}"


def test_a_ten_digit_number_without_an_account_word_is_not_an_account():
    assert kinds("เลข 1234567890") == []
    assert kinds("บัญชีเงินฝาก โทร 0812345678") == ["bank_account"]  # masked either way


# --- names after a title ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, masked",
    [
        ("นายสมชาย ใจดี แจ้งว่า", f"นาย{NAME} แจ้งว่า"),
        ("นาย สมชาย ใจดี แจ้งว่า", f"นาย {NAME} แจ้งว่า"),
        ("ผมนายปกรณ์ เพื่อความปลอดภัย", f"ผมนาย{NAME} เพื่อความปลอดภัย"),
        ("นางสาวสมหญิง รักดี", f"นางสาว{NAME}"),
        ("ข้าพเจ้า นางสาววิภาพร ธนศุทธวงศ์ เป็นผู้อยู่อาศัย", f"ข้าพเจ้า นางสาว{NAME} เป็นผู้อยู่อาศัย"),
        ("นางสมศรี มีสุข", f"นาง{NAME}"),
        ("ดิฉัน น.ส.วัลลภา สุนทรวรางคณา ข้าราชการบำนาญ", f"ดิฉัน น.ส.{NAME} ข้าราชการบำนาญ"),
        ("ด้วยดิฉันนส.วรัญญา  รื่นเริงกลิ่น ขอเป็นตัวแทน", f"ด้วยดิฉันนส.{NAME} ขอเป็นตัวแทน"),
        ("น.ส สุนิสา ปานนพภา", f"น.ส {NAME}"),
        ("ด.ช.สมชาย ไม่มีนามสกุล", f"ด.ช.{NAME} ไม่มีนามสกุล"),
        ("ด.ญ. สมใจ รักเรียน", f"ด.ญ. {NAME}"),
        ("เด็กชายสมชาย ใจดี", f"เด็กชาย{NAME}"),
        ("นายแพทย์สมชาย ใจดี", f"นายแพทย์{NAME}"),
        ("รศ.ดร. ชัชชาติ สิทธิพันธุ์", f"รศ.ดร. {NAME}"),
        ("(นายจักรพันธ์. ผิวงาม)ปฏิเสธ", f"(นาย{NAME})ปฏิเสธ"),
        ("นายอ้อฟ บ้านเลขที่ 2166/1", f"นาย{NAME} บ้านเลขที่ 2166/1"),
        ("บ้านติดนายอ้อฟแจ้งว่า", f"บ้านติดนาย{NAME}แจ้งว่า"),
        ("นายสมชายใจดีโทรมา", f"นาย{NAME}โทรมา"),
        ("คุณสกลธีเป็นคนรับเรื่อง", f"คุณ{NAME}เป็นคนรับเรื่อง"),
        ("คุณชัชชาติที่เคารพ", f"คุณ{NAME}ที่เคารพ"),
        ("แจ้งประสาน คุณธรรมนูญ  หัวหน้าหน่วยงาน", f"แจ้งประสาน คุณ{NAME}  หัวหน้าหน่วยงาน"),
        ("อยากให้คุณชัชชาติช่วยแก้ไข", f"อยากให้คุณ{NAME}ช่วยแก้ไข"),
        ("เรียน คุณชัชชาติ และทีมงาน", f"เรียน คุณ{NAME} และทีมงาน"),
        ("คุณอำนาจ ปานเผือก (ปัจจุบัน", f"คุณ{NAME} (ปัจจุบัน"),
        ("ติดต่อ คุณทอม 080-457-6336", f"ติดต่อ คุณ{NAME} {PHONE}"),
        ("แจ้งสนงเขต (คุณวีรญาหัวหน้าแผนกสิ่งแวดล้อมรับเรื่อง", f"แจ้งสนงเขต (คุณ{NAME}หัวหน้าแผนกสิ่งแวดล้อมรับเรื่อง"),
        ("ผมชื่อพชรนะครับ", f"ผมชื่อ{NAME}นะครับ"),
        ("ลงชื่อ สมชาย ใจดี", f"ลงชื่อ {NAME}"),
        ("พี่สมศรีเป็นคนดูแล", f"พี่{NAME}เป็นคนดูแล"),
        ("น้องวรายุ ได้ทำการผ่าตัด", f"น้อง{NAME} ได้ทำการผ่าตัด"),
    ],
)
def test_names_after_thai_titles_are_masked_and_the_title_kept(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "ขอบคุณค่ะ",
        "ขอบพระคุณมากครับ",
        "คุณภาพชีวิตดีขึ้น",
        "คุณค่าของการกวาดถนน",
        "คุณแม่ผมหกล้ม",
        "คุณยายสูงอายุมาขอเงิน",
        "หากคุณขับรถมาจากสุขุมวิท",
        "คุณละเว้นการปฏิบัติหน้าที่",
        "นายทุนมากว้านซื้อที่ดิน",
        "นายกรัฐมนตรีลงพื้นที่",
        "นายอำเภอสั่งการ",
        "นายจ้างไม่จ่าย",
        "ซอยนางลิ้นจี่3 ถ.นางลิ้นจี่",
        "ไฟแดงทางไปนางลิ้นจี่",
        "ตลาดนางเลิ้ง",
        "สี่แยกคุณกะลา",
        "มีนางมะตอยอุดท่อ",
        "ผมเป็นนายสัตวแพทย์ครับ",
        "หนังสือ นส.ลว.28 มิ.ย.65",
        "โฉนด น.ส.3 ก.",
        "เดือนพ.ค.นี้",
        "ผมเป็นส.ข.มาก่อน",
        "พี่ๆ ทีมงานทุกคน",
        "ป้ายรถเมล์หาย",
        "ชื่อถนนผิด",
        "หน้าศูนย์เวสป้า อมรรัชดา",
        "รบกวนคุณเทศกิจปรับจริงจัง",
        "ท่อมันตันคุณก้อไม่มาดู",
    ],
)
def test_title_like_words_that_are_not_before_a_name_are_left_alone(text):
    assert mask_pii(text).found == ()


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Contact Mr. John Smith today", f"Contact Mr. {NAME} today"),
        ("Mrs Jane Doe", f"Mrs {NAME}"),
        ("Ms. Somsri said", f"Ms. {NAME} said"),
        ("Dr. Somchai J. Jaidee called", f"Dr. {NAME} called"),
    ],
)
def test_names_after_english_titles_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", ["MRT station", "Mr. and Mrs. came", "ms excel file", "Drive to Mrs"])
def test_english_title_words_without_a_capitalised_name_are_left_alone(text):
    assert mask_pii(text).found == ()


# --- names without a title -------------------------------------------------------


def test_listed_first_name_and_surname_without_a_title_are_masked():
    assert mask_text("เมื่อวาน สิรินทร์ ศรีสุข มาแจ้ง") == f"เมื่อวาน {NAME} มาแจ้ง"


@pytest.mark.parametrize(
    "text",
    [
        "ระหว่าง รัชดา สุทธิสาร รถติด",  # a junction, both words in the lists
        "ลงพื้นที่ร่วมกับ สิรินทร์ ศรีสุข",  # also after กับ/และ/ถึง: too often a place
        "สมชาย เดินมา",  # a surname that is not in the list
        "ขยะเยอะ กรุณา เก็บด้วย",
    ],
)
def test_untitled_pairs_not_both_in_the_lists_or_after_a_place_word_are_left_alone(text):
    assert [k for k in kinds(text) if k == "name"] == []


@pytest.mark.parametrize(
    "text, masked",
    [
        ("จาก สุชาติ คูหเทพารักษ์ โทร081-552-4548", f"จาก {NAME} โทร{PHONE}"),
        ("ขอบคุณค่ะ\nเขมณัฏฐ์\n0860761818", f"ขอบคุณค่ะ\n{NAME}\n{PHONE}"),
        ("กรุณาอบรมด้วยครับ\n\nสุนทร โทร 0988382148", f"กรุณาอบรมด้วยครับ\n\n{NAME} โทร {PHONE}"),
        ("เบอร์โทรผมครับ 0942928941 เฉลิมฉาน ยศวิริยะพาณิชย์", f"เบอร์โทรผมครับ {PHONE} {NAME}"),
        ("ผู้แจ้ง จักริน ยูงทอง", f"ผู้แจ้ง {NAME}"),
        ("ผู้ร้องเรียน ชมภูนุช ศรีผดุงพร\n0936246462", f"ผู้ร้องเรียน {NAME}\n{PHONE}"),
        ("สวัสดีค่ะ ดิฉัน สิรินทร์ ศรีสุขค่ะ", f"สวัสดีค่ะ ดิฉัน {NAME}ค่ะ"),
        ("คนแจ้งชื่อ กันตภา ยุทธวราภรณ์ 0988879715", f"คนแจ้งชื่อ {NAME} {PHONE}"),
        # A listed first name as the last word, or the end of a word, before the number.
        ("โทรหา สมศรี 0891234567 ได้เลย", f"โทรหา {NAME} {PHONE} ได้เลย"),
        ("ติดต่อสมชาย 0812345678", f"ติดต่อ{NAME} {PHONE}"),
        ("ไม่เคยสนใจ  สมชาย0812345678", f"ไม่เคยสนใจ  {NAME}{PHONE}"),
        ("ติดต่อผมได้ พิษณุ 0812345678", f"ติดต่อผมได้ {NAME} {PHONE}"),
    ],
)
def test_names_signing_a_phone_number_or_introduced_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "ขอบคุณครับ เบอร์ติดต่อ 0816194361",
        "ฝนตก เบอร์ติดต่อผม 0961414926",
        "ติดต่อได้ทันทีครับ  เบอร์โทร 092-7480888 ครับ",
        "โรงกำจัดขยะอ่อนนุช\n02 328 7389",
        "ขอบคุณครับ 0816655493 ผู้ประสานงาน",
        "ผู้แจ้ง ประธานชุมชนร่วมพัฒนา เบอร์โทร 0952041988",
        "ผม ขับมอเตอร์ไซค์ ทุกวัน",
        "ถนนพัง ติดต่อ 0812345678",
        "แจ้งเหตุ ไฟดับ 0812345678",
    ],
)
def test_words_around_a_phone_number_that_are_no_name_are_left_alone(text):
    assert [k for k in kinds(text) if k == "name"] == []


# --- size ------------------------------------------------------------------------


def test_a_50000_character_text_is_masked_quickly():
    paragraph = (
        "เรียน คุณชัชชาติ และทีมงาน ถนนหน้าซอย 24 เป็นหลุมลึก รถติดตั้งแต่ 06.00-08.30 น. "
        "ค่าซ่อม 1,500 บาท บ้านเลขที่ 123/45 แขวงลาดยาว กทม 10900 เลขที่เรื่อง RR-2569-7K3M-Q2XD "
        "ผู้แจ้ง นายสมชาย ใจดี โทร 081-234-5678 อีเมล somchai@example.com\n"
    )
    text = (paragraph * (50_000 // len(paragraph) + 1))[:50_000]
    started = time.perf_counter()
    result = mask_pii(text)
    elapsed = time.perf_counter() - started
    repeats = text.count(paragraph)
    assert [k for k, _, _ in result.found].count("phone") >= repeats
    assert "081-234-5678" not in result.text and "สมชาย" not in result.text
    assert "RR-2569-7K3M-Q2XD" in result.text and "1,500 บาท" in result.text
    assert elapsed < 5, elapsed  # about 0.3 s on a laptop


def test_a_long_run_of_titles_without_spaces_stays_bounded():
    started = time.perf_counter()
    mask_pii("นาย" * 3400)  # 10,000 characters, the longest description intake takes
    assert time.perf_counter() - started < 5


def test_a_one_letter_stop_word_inside_a_name_does_not_cut_it():
    assert mask_text("18. น.ส ประณยา ศิลากุล") == f"18. น.ส {NAME}"


# --- issue 16: forms an attacker found unmasked -------------------------------------


@pytest.mark.parametrize(
    "text, masked",
    [
        # The surname too, even when it is an ordinary word standing alone.
        ("เรียนคุณสมชาย ทดสอบ", f"เรียนคุณ{NAME}"),
        ("เรียนคุณสมชาย ทดสอบ ครับ", f"เรียนคุณ{NAME} ครับ"),
        ("นายสมชาย ใจดี แจ้ง", f"นาย{NAME} แจ้ง"),
        ("บ้านคุณสมศรี มีสุข", f"บ้านคุณ{NAME}"),
        ("บ้านคุณสมศรี มีสุข น้ำท่วม", f"บ้านคุณ{NAME} น้ำท่วม"),
        # Full-width forms are what they look like.
        ("ติดต่อ somchai＠gmail.com ค่ะ", f"ติดต่อ {EMAIL} ค่ะ"),
        ("ติดต่อ ｓｏｍｃｈａｉ＠ｇｍａｉｌ．ｃｏｍ", f"ติดต่อ {EMAIL}"),
        ("line＠somchai99", f"line{LINE}"),
        ("โทร ０８１－２３４－５６７８", f"โทร {PHONE}"),
        # Vehicle plates.
        ("รถทะเบียน กข 1234 กรุงเทพมหานคร จอดขวาง", f"รถทะเบียน {PLATE} จอดขวาง"),
        ("รถ 1กข 234 จอดทุกวัน", f"รถ {PLATE} จอดทุกวัน"),
        ("ทะเบียน 1กข234", f"ทะเบียน {PLATE}"),
        ("รถกระบะ ฮย-5512 เชียงใหม่ ทิ้งขยะ", f"รถกระบะ {PLATE} ทิ้งขยะ"),
        ("ทะเบียน กข 12", f"ทะเบียน {PLATE}"),
        ("กข 1234 กรุงเทพฯ", PLATE),
    ],
)
def test_issue_16_forms_are_masked(text, masked):
    assert mask_text(text) == masked
    assert mask_text(masked) == masked  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "คุณภาพน้ำประปาแย่มาก",
        "บ้านเลขที่ 12 หมู่ 3",
        "ไลน์ผลิตของโรงงานเสียงดัง",
        "ถนนสุขุมวิท ซอย 5",
        "น้ำท่วมซอย 5 ทุกปี",
        "ซอยรามคำแหง 24 แยก 8",
        "ไฟฟ้าสาธารณะ ถนนชำรุด ทางเท้า ความสะอาด",
        "มีรถ 2 คัน จอดขวาง",
        "รถ 2 คันจอดขวาง",
        "มีคน 5 คน มาทิ้งขยะ",
        "ทางหลวง ทล 35 ชำรุด",
        "ระยะทาง กม 120",
        "ฝาท่อ 3 จุด ถนนพระราม 2",
        "ปี 2567 ยังไม่ซ่อม",
        "ติดต่อทาง line ของเขต",
    ],
)
def test_issue_16_lookalikes_are_left_alone(text):
    assert mask_pii(text).found == (), mask_text(text)


# --- the tokenizer's dictionary (memory) -------------------------------------------


def test_word_list_finds_the_same_words_as_pythainlps_trie():
    """The marisa-trie word list that replaced pythainlp's Trie (80 MB per web worker) must give
    newmm the same words at every position, and so the same tokens."""
    import random

    from pythainlp.tokenize.newmm import segment
    from pythainlp.util import Trie

    from complaints.nlp.pii_masking import WordList, _lexicon

    words = list(_lexicon()["trie"])
    assert len(words) > 50_000 and "สมชาย" in _lexicon()["trie"] and "สมชาz" not in _lexicon()["trie"]
    rng = random.Random(7)
    sample = rng.sample(words, 3000) + ["ถนน", "ถนนหน้า", " ตลาด ", "", "ก"]
    compact, trie = WordList(sample), Trie(sample)
    texts = [
        "".join(rng.choice(sample) + rng.choice(["", " ", "ๆ", "1"]) for _ in range(rng.randint(1, 12)))
        for _ in range(150)
    ] + ["ถนนหน้าตลาด", "abc ถนน", ""]
    for text in texts:
        for start in range(len(text) + 1):
            assert compact.prefixes(text, start) == trie.prefixes(text, start), (text, start)
        assert segment(text, custom_dict=compact) == segment(text, custom_dict=trie)
    assert len(compact) == len({w.strip() for w in sample} - {""}) and "ตลาด" in compact and "" not in compact
    assert sorted(compact) == sorted({w.strip() for w in sample} - {""})
