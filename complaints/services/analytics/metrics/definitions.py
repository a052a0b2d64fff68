"""One definition per figure: what it counts, of what, and as of when (issue 19).

Every number Rongrian shows a manager or an assessor (the dashboard's figures and tiles,
criterion 3.4's metrics, the totals of criteria 3.1 and 3.4) is defined here once: its
population, numerator, denominator and as-of rule, in Thai and English. The public page
/definitions shows them; each figure and metric links to its definition (`for_figure`,
`for_metric`), and a test fails when a figure or a metric has none.

Where the dashboard and the assessment show different numbers for "the same thing",
the definition says why (`differs_th`/`differs_en`): the dashboard counts every kind of
submission the reader may see, criterion 3.1 every kind with merged duplicates once and
tip-offs out, criterion 3.4 complaints only (`period_totals` counts the three).

`METRIC_LISTS` names, for each 3.4 metric whose number is a count of complaints, which
of its numbers the list behind it holds and the drill-down filters (metrics.dimensions)
of exactly those complaints: tests/test_figure_links.py holds every metric to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.sql.expression import ColumnElement

from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import Complaint
from complaints.services.access import PUBLIC, visible_complaints

__all__ = [
    "DEFINITIONS",
    "KPI_TILES",
    "METRIC_LISTS",
    "TOTALS",
    "Definition",
    "MetricList",
    "by_key",
    "for_figure",
    "for_kpi",
    "for_metric",
    "period_totals",
    "totals_from_kinds",
    "undefined",
]


@dataclass(frozen=True)
class Definition:
    """A figure's one definition, and the dashboard figures, tiles and 3.4 metrics it defines."""

    key: str  # the anchor on /definitions
    label_th: str
    label_en: str
    population_th: str
    population_en: str
    numerator_th: str
    numerator_en: str
    denominator_th: str
    denominator_en: str
    as_of_th: str
    as_of_en: str
    figures: tuple[str, ...] = ()  # keys of figures.FIGURES
    kpis: tuple[str, ...] = ()  # the dashboard's tiles (KPI_TILES)
    metrics: tuple[str, ...] = ()  # criterion-3.4 metric keys (assessment.evidence.criterion34)
    totals: tuple[str, ...] = ()  # keys of TOTALS
    differs_th: str = ""  # why the dashboard's and the assessment's numbers differ, if they do
    differs_en: str = ""

    def text(self, part: str, lang: str) -> str:
        return str(getattr(self, f"{part}_{'en' if lang == 'en' else 'th'}"))


@dataclass(frozen=True)
class MetricList:
    """The complaints a 3.4 metric's link must list: `count` names the metric's number the
    list holds ("part", "whole" or another key of its details, or "value"), and `drill`
    the drill-down filters of the dashboard's list (beside the period and kind complaint)."""

    count: str
    drill: Mapping[str, str] = field(default_factory=dict)


# --- populations (the start of every definition) ----------------------------------------------

_DASHBOARD_TH = (
    "แดชบอร์ด: ทุกประเภทเรื่อง (ร้องเรียน ข้อเสนอแนะ ชมเชย) ที่รับในช่วงเวลา (เวลากรุงเทพฯ) ในหน่วยงานที่ผู้ดูมีสิทธิ์เห็น "
    "เรื่องที่ถูกรวมกับเรื่องอื่นนับเป็นเรื่องที่รับด้วย เรื่องแจ้งเบาะแสการทุจริตเห็นได้เฉพาะผู้มีหน้าที่ด้านความโปร่งใส"
)
_DASHBOARD_EN = (
    "Dashboard: every kind of submission (complaints, suggestions, compliments) received in the period "
    "(Bangkok time) in the units the reader may see; duplicates merged into another are counted as received; "
    "corruption tip-offs only for the integrity role"
)
_C34_TH = "เกณฑ์ 3.4: เฉพาะข้อร้องเรียน (ประเภท ร้องเรียน/ร้องทุกข์) ที่รับในรอบการประเมิน เรื่องซ้ำที่ถูกรวมนับครั้งเดียว ไม่รวมเรื่องแจ้งเบาะแส"
_C34_EN = (
    "Criterion 3.4: complaints only (kind complaint) received in the assessment period, "
    "merged duplicates counted once, tip-offs left out"
)
_BOTH_TH = f"{_DASHBOARD_TH}; {_C34_TH}"
_BOTH_EN = f"{_DASHBOARD_EN}; {_C34_EN}"
_KINDS_DIFFER_TH = (
    "ตัวเลขบนแดชบอร์ดนับทุกประเภทเรื่องที่ผู้ดูเห็นได้ รวมเรื่องที่ถูกรวม ส่วนเกณฑ์ 3.4 นับเฉพาะข้อร้องเรียน จึงอาจไม่เท่ากันในรอบเดียวกัน"
)
_KINDS_DIFFER_EN = (
    "The dashboard counts every kind the reader may see, merged duplicates included; criterion 3.4 counts "
    "complaints only, so the two can differ for the same period"
)
_RECEIVED_AS_OF_TH = "ตามวันที่รับเรื่อง (เวลากรุงเทพฯ) ในช่วงเวลา นับสถานะ หมวดหมู่ และหน่วยงานตามข้อมูล ณ เวลาที่เปิดหน้า"
_RECEIVED_AS_OF_EN = (
    "By the day of receipt (Bangkok time) within the period; status, category and unit as they stand "
    "when the page is opened"
)
_NOW_TH = "ณ เวลาที่เปิดหน้า (ข้อมูลปัจจุบัน) สำหรับเรื่องที่รับในช่วงเวลา"
_NOW_EN = "As of the moment the page is opened, for the complaints received in the period"
_PERIOD_END_TH = "ณ วันสิ้นรอบ หรือ ณ เวลาที่คำนวณหากรอบยังไม่สิ้นสุด (แล้วแต่ว่าอย่างใดถึงก่อน) รอบที่ส่งแล้วแสดงตัวเลข ณ เวลาที่ส่ง"
_PERIOD_END_EN = (
    "As of the period's end, or of the moment computed while the period runs (whichever comes first); "
    "a submitted assessment shows its figures as of submission"
)
_NONE_TH = "— (จำนวน ไม่ใช่สัดส่วน)"
_NONE_EN = "— (a count, not a share)"

# --- criteria 3.1-3.3 (assessment.evidence.criterion31, 32, 33) -------------------------------

_C31_TH = (
    "เกณฑ์ 3.1–3.3: ทุกประเภทเรื่อง (ร้องเรียน ข้อเสนอแนะ ชมเชย) ที่รับในรอบการประเมิน "
    "เรื่องซ้ำที่ถูกรวมนับครั้งเดียว ไม่รวมเรื่องแจ้งเบาะแสการทุจริต"
)
_C31_EN = (
    "Criteria 3.1-3.3: every kind of submission (complaints, suggestions, compliments) received in the "
    "assessment period, merged duplicates counted once, corruption tip-offs left out"
)
_COMPUTED_TH = "ตามวันที่รับเรื่องในรอบ สถานะ ณ เวลาที่คำนวณ (แสดงบนหน้า) รอบที่ส่งแล้วแสดงตัวเลข ณ เวลาที่ส่ง"
_COMPUTED_EN = (
    "By the day of receipt within the period; statuses as of the moment computed (shown on the page); "
    "a submitted assessment shows its figures as of submission"
)
_ACTIONS_TH = "มาตรการแก้ไข (ไม่รวมที่ยกเลิก) ของหน่วยงานที่ประเมิน"
_ACTIONS_EN = "Corrective actions (cancelled ones left out) of the units assessed"
_MONTHS_TH = "เดือนเต็มที่สังเกตได้: ถึงวันสิ้นรอบ หรือถึงต้นเดือนปัจจุบันหากรอบยังไม่สิ้นสุด (ไม่นับเดือนที่ยังไม่ครบ)"
_MONTHS_EN = "Whole months observed: to the period's end, or to the start of this month while it runs (no part month)"


def _needs(
    key: str,
    label: tuple[str, str],
    numerator: tuple[str, str],
    denominator: tuple[str, str] = (_NONE_TH, _NONE_EN),
    *,
    metrics: tuple[str, ...] = (),
    population: tuple[str, str] = (_C31_TH, _C31_EN),
    as_of: tuple[str, str] = (_COMPUTED_TH, _COMPUTED_EN),
) -> Definition:
    return Definition(key, *label, *population, *numerator, *denominator, *as_of, metrics=metrics or (key,))


_NEEDS_DEFINITIONS: tuple[Definition, ...] = (
    _needs(
        "needs_register",
        ("ทะเบียนความต้องการจากทุกช่องทาง", "Needs register from every channel"),
        ("จำนวนเรื่อง แยกตามช่องทางและประเภท (รวมข้อเสนอแนะ)", "Submissions by channel and kind (suggestions included)"),
    ),
    _needs(
        "suggestions_received",
        ("ข้อเสนอแนะจากประชาชน", "Suggestions from the public"),
        ("จำนวนเรื่องประเภทข้อเสนอแนะ", "Submissions of kind suggestion"),
    ),
    _needs(
        "needs_categorised",
        ("เรื่องที่จัดหมวดหมู่เพื่อวิเคราะห์", "Items categorised for analysis"),
        ("เรื่องที่มีหมวดหมู่", "Submissions with a category"),
        ("ทุกเรื่องที่รับ", "Every submission received"),
    ),
    _needs(
        "needs_answered",
        ("เรื่องที่ได้รับการตอบสนองแล้ว", "Items answered"),
        (
            "เรื่องที่ตอบแล้ว (ดำเนินการแล้ว ปิดเรื่อง ไม่อยู่ในอำนาจพร้อมเหตุผล หรือส่งต่อ)",
            "Submissions answered (resolved, closed, rejected with reasons, or forwarded)",
        ),
        ("ทุกเรื่องที่รับ", "Every submission received"),
    ),
    _needs(
        "captured_digitally",
        ("ความต้องการที่รับเป็นข้อมูลดิจิทัล", "Needs captured digitally"),
        (
            "เรื่องที่รับทางเว็บไซต์ แอป LINE อีเมล SMS หรือ Open311 (ไม่ใช่ติดต่อด้วยตนเอง โทรศัพท์ หรือหนังสือ)",
            "Submissions received by web, app, LINE, email, SMS or Open311 (not walk-in, phone or letter)",
        ),
        ("ทุกเรื่องที่รับ", "Every submission received"),
    ),
    _needs(
        "corrective_actions_opened",
        ("มาตรการเชิงรุกที่เปิดในรอบ", "Proactive measures opened in the period"),
        ("มาตรการแก้ไขที่สร้างในรอบ", "Corrective actions created in the period"),
        metrics=("proactive_actions",),
        population=(_ACTIONS_TH, _ACTIONS_EN),
    ),
    _needs(
        "category_trends",
        ("แนวโน้มรายเดือนตามหมวดหมู่", "Monthly trend by category"),
        ("จำนวนเรื่องต่อเดือนของหมวดหมู่ที่มากที่สุด 8 หมวด (ที่เหลือรวมเป็นหมวดอื่น)", "Submissions a month, top 8 categories"),
        as_of=(_MONTHS_TH, _MONTHS_EN),
    ),
    _needs(
        "seasonal_forecast",
        ("คาดการณ์ตามฤดูกาล", "Seasonal forecast"),
        (
            "จำนวนเรื่องของเดือนเดียวกันปีก่อน × อัตราการเติบโต (12 เดือนล่าสุด ÷ 12 เดือนก่อนหน้า) "
            "สำหรับเดือนถัดจากเดือนที่สังเกตได้ เท่าจำนวนเดือนของรอบ",
            "The same month a year before × growth (the last 12 months ÷ the 12 before), for as many months "
            "as the period has after the months observed",
        ),
        as_of=(_MONTHS_TH, _MONTHS_EN),
    ),
    _needs(
        "emerging_issues",
        ("ประเด็นที่กำลังเพิ่มขึ้น", "Emerging issues"),
        (
            "หมวดหมู่ที่ 3 เดือนล่าสุดเพิ่มขึ้นอย่างน้อย 50% และอย่างน้อย 5 เรื่อง เทียบ 3 เดือนเดียวกันของปีก่อน",
            "Categories whose last 3 months rose by at least 50% and at least 5 against the same months a year before",
        ),
        as_of=(_MONTHS_TH, _MONTHS_EN),
    ),
    _needs(
        "needs_satisfied",
        ("ผู้รับบริการพึงพอใจ (4–5)", "Service users satisfied (4-5)"),
        ("ผลประเมินที่ให้คะแนนความพึงพอใจ 4–5", "Survey answers scoring satisfaction 4-5"),
        ("ผลประเมินทั้งหมดของเรื่องในรอบ", "Every survey answer of the period's submissions"),
    ),
    _needs(
        "survey_response_rate_all",
        ("อัตราการตอบแบบประเมิน (ความผูกพัน)", "Survey response rate (engagement)"),
        ("เรื่องที่ประเมินได้ซึ่งผู้ร้องตอบแบบประเมินแล้ว", "Rateable submissions with a survey answer"),
        ("เรื่องที่ประเมินได้ (ดำเนินการแล้ว ปิดเรื่อง ไม่อยู่ในอำนาจ)", "Rateable submissions (resolved, closed, rejected)"),
    ),
    _needs(
        "returning_complainants",
        ("ผู้รับบริการที่กลับมาใช้บริการอีก", "Returning service users"),
        (
            "ผู้รับบริการ (จำแนกด้วยค่าแฮชของช่องทางติดต่อ) ที่ส่งเรื่องตั้งแต่ 2 เรื่องขึ้นไปจนถึงสิ้นรอบ",
            "Service users (told apart by keyed hashes of their contacts) with 2 or more submissions up to the "
            "period's end",
        ),
        ("ผู้รับบริการที่ให้ช่องทางติดต่อและส่งเรื่องในรอบ", "Service users who left a contact and sent something in the period"),
    ),
    _needs(
        "suggestions_acted_on",
        ("ข้อเสนอแนะที่นำไปสู่มาตรการแก้ไข", "Suggestions followed by a corrective action"),
        (
            "ข้อเสนอแนะที่มีมาตรการแก้ไขในหมวดหมู่หรือกลุ่มปัญหาเดียวกัน เปิดตั้งแต่วันที่รับ (ระบบไม่มีสถานะ 'นำไปใช้')",
            "Suggestions whose category or cluster got a corrective action opened on or after their receipt "
            "(Rongrian has no 'adopted' outcome)",
        ),
        ("ข้อเสนอแนะทั้งหมดในรอบ", "Every suggestion of the period"),
    ),
    _needs(
        "satisfaction_breakdowns",
        ("ความพึงพอใจแยกตามหมวดหมู่ หน่วยงาน ช่องทาง และพื้นที่", "Satisfaction by category, unit, channel, district"),
        (
            "ต่อกลุ่ม: จำนวนผลประเมิน ผู้ให้ 4–5 คะแนนเฉลี่ย ผู้ให้ 1–2 และอัตราการตอบ",
            "Per group: survey answers, those scoring 4-5, the mean, those scoring 1-2, and the response rate",
        ),
        ("ผลประเมินของกลุ่ม (อัตราการตอบ: เรื่องที่ประเมินได้ของกลุ่ม)", "The group's answers (response rate: its rateable)"),
        metrics=(
            "satisfaction_by_category",
            "satisfaction_by_unit",
            "satisfaction_by_channel",
            "satisfaction_by_district",
        ),
    ),
    _needs(
        "low_scores_with_action",
        ("คะแนนต่ำที่มีมาตรการแก้ไข", "Low scores with a corrective action"),
        (
            "ผลประเมินคะแนน 1–2 ที่หมวดหมู่หรือกลุ่มปัญหาของเรื่องมีมาตรการแก้ไข (ไม่รวมที่ยกเลิก)",
            "Answers scoring 1-2 whose submission's category or cluster has a corrective action (not cancelled)",
        ),
        ("ผลประเมินคะแนน 1–2 ทั้งหมด", "Every answer scoring 1-2"),
    ),
    _needs(
        "other_sources",
        ("แหล่งข้อมูลอื่นที่เชื่อมโยง", "Other data sources joined"),
        (
            "แหล่งที่มีระเบียนเชื่อมกับข้อมูลเรื่อง: ประวัติที่นำเข้า (ถึงสิ้นรอบ มีหมวดหมู่) ระบบภาคี Open311/API (มีหมวดหมู่) แบบประเมิน",
            "Sources with records joined to the complaint data: imported histories (up to the period's end, with a "
            "category), Open311/API partners (with a category), the survey",
        ),
    ),
    _needs(
        "actions_completed",
        ("มาตรการปรับปรุงที่เสร็จในรอบ", "Improvements completed in the period"),
        ("มาตรการสถานะเสร็จแล้วที่มีผลในรอบ", "Actions done, effective within the period"),
        population=(_ACTIONS_TH, _ACTIONS_EN),
    ),
    _needs(
        "channel_effectiveness",
        ("ประสิทธิผลของช่องทาง", "Channel effectiveness"),
        (
            "ต่อช่องทาง: จำนวน ตอบรับภายใน 1 วันทำการ และความพึงพอใจ ค่าที่แสดงคือช่องทางที่ตอบรับทันต่ำที่สุด (ช่องทางที่มีอย่างน้อย 5 เรื่อง)",
            "Per channel: volume, acknowledged within 1 working day, satisfaction; the value is the lowest "
            "acknowledged-in-time share among channels with 5 or more",
        ),
        ("เรื่องที่รับของช่องทาง", "The channel's submissions"),
    ),
    _needs(
        "unit_coverage",
        ("หน่วยงานที่รับและตอบสนองเรื่อง", "Units that received and answered"),
        ("หน่วยงานที่รับเรื่องในรอบและตอบแล้วอย่างน้อย 1 เรื่อง", "Units with a submission in the period and one answered"),
        (
            "หน่วยงานที่ใช้งาน (มีเจ้าหน้าที่ หรือเป็นหน่วยงานเริ่มต้นของหมวดหมู่ที่ใช้งาน)",
            "Active units (with an active staff account, or the default unit of an active category)",
        ),
    ),
    _needs(
        "segments_with_standards",
        ("กลุ่มผู้รับบริการที่มีมาตรฐานเฉพาะ", "Segments with their own standard"),
        (
            "มาตรฐานบริการที่ระบุหมวดหมู่หรือประเภทเรื่อง และมีเรื่องในรอบ",
            "Service standards naming a category or kind that served submissions in the period",
        ),
    ),
    _needs(
        "notification_route",
        ("ช่องทางแจ้งผลของผู้ร้อง", "Route a complainant is answered on"),
        (
            "เรื่องที่ผู้ร้องได้รับแจ้งผลทาง LINE หรือ SMS ที่ใช้ร้อง หรืออีเมลที่ให้ไว้ (ระบบไม่มีการเลือกช่องทางแจ้งผล)",
            "Submissions whose complainant is answered on the LINE or SMS they used, or the email they gave "
            "(no notification preference is recorded)",
        ),
        ("เรื่องที่ไม่ปกปิดตัวตน", "Submissions not anonymous"),
    ),
)


# The three totals of one period: each page says which one it shows (issue 19).
TOTALS = {
    "dashboard": ("เรื่องที่รับ (แดชบอร์ด)", "Received (dashboard)"),
    "criterion_31": ("เรื่องที่รับ (เกณฑ์ 3.1)", "Received (criterion 3.1)"),
    "criterion_34": ("ข้อร้องเรียน (เกณฑ์ 3.4)", "Complaints (criterion 3.4)"),
}

# The dashboard's tiles (templates/manager/dashboard.html, id="kpi-<key>").
KPI_TILES = ("total", "on-time", "ack", "reopen", "repeat", "satisfaction", "confidence", "response")


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "received",
        "จำนวนเรื่องที่รับ (แดชบอร์ด)",
        "Submissions received (dashboard)",
        _DASHBOARD_TH,
        _DASHBOARD_EN,
        "จำนวนเรื่องที่รับ แยกตามเดือน สัปดาห์ (เริ่มวันจันทร์) หมวดหมู่ ประเภท ช่องทาง หน่วยงาน หรือเขต/อำเภอ "
        "(15 เขตที่มากที่สุด ที่เหลือรวมอยู่ในยอดรวม)",
        "Submissions received, by month, week (from Monday), category, kind, channel, handling unit or district "
        "(the 15 largest districts; the rest count in the total)",
        "สัดส่วนของแต่ละแถว = จำนวนในแถว ÷ ยอดรวมของตาราง (ทุกเรื่องที่รับ)",
        "Each row's share = its count ÷ the table's total (everything received)",
        _RECEIVED_AS_OF_TH,
        _RECEIVED_AS_OF_EN,
        figures=("by_month", "by_week", "by_category", "by_kind", "by_channel", "by_unit", "by_district"),
        kpis=("total",),
        totals=("dashboard",),
        differs_th="ยอดนี้มากกว่ายอดของเกณฑ์ 3.1 (ไม่นับเรื่องที่ถูกรวม) และเกณฑ์ 3.4 (เฉพาะข้อร้องเรียน)",
        differs_en="This total is larger than criterion 3.1's (merged duplicates out) and 3.4's (complaints only)",
    ),
    Definition(
        "criterion_31_total",
        "จำนวนเรื่องที่รับ (เกณฑ์ 3.1 ความต้องการของผู้รับบริการ)",
        "Submissions received (criterion 3.1, needs)",
        "ทุกประเภทเรื่อง (ร้องเรียน ข้อเสนอแนะ ชมเชย) ที่รับในรอบการประเมิน ทุกหน่วยงาน เรื่องซ้ำที่ถูกรวมนับครั้งเดียว "
        "ไม่รวมเรื่องแจ้งเบาะแสการทุจริต",
        "Every kind of submission (complaints, suggestions, compliments) received in the assessment period, all "
        "units, duplicates merged into another counted once, corruption tip-offs left out",
        "จำนวนเรื่องดังกล่าว และแยกตามช่องทาง ประเภท หมวดหมู่ และพื้นที่",
        "Their number, and by channel, kind, category and district",
        _NONE_TH,
        _NONE_EN,
        _RECEIVED_AS_OF_TH,
        _RECEIVED_AS_OF_EN,
        totals=("criterion_31",),
        differs_th="ต่างจากแดชบอร์ดตรงที่ไม่นับเรื่องที่ถูกรวมกับเรื่องอื่น และนับทุกหน่วยงาน",
        differs_en="Unlike the dashboard: duplicates merged into another are not counted again, and every unit counts",
    ),
    Definition(
        "criterion_34_population",
        "จำนวนข้อร้องเรียน (เกณฑ์ 3.4 การจัดการข้อร้องเรียน)",
        "Complaints (criterion 3.4, complaint handling)",
        _C34_TH,
        _C34_EN,
        "จำนวนข้อร้องเรียนดังกล่าว เป็นฐานของตัวชี้วัดเกณฑ์ 3.4 ทุกตัว",
        "Their number: the base of every criterion-3.4 metric",
        _NONE_TH,
        _NONE_EN,
        _RECEIVED_AS_OF_TH,
        _RECEIVED_AS_OF_EN,
        totals=("criterion_34",),
        differs_th="ไม่นับข้อเสนอแนะและคำชมเชย จึงน้อยกว่ายอดของเกณฑ์ 3.1 และแดชบอร์ด",
        differs_en="Suggestions and compliments are not counted, so it is below criterion 3.1's total "
        "and the dashboard's",
    ),
    Definition(
        "channels_used",
        "จำนวนช่องทางที่มีผู้ใช้ร้องเรียน",
        "Channels in use",
        _C34_TH,
        _C34_EN,
        "จำนวนช่องทางที่มีข้อร้องเรียนอย่างน้อย 1 เรื่อง (ลิงก์แสดงข้อร้องเรียนทั้งหมดของรอบ)",
        "Channels with at least one complaint (the link lists every complaint of the period)",
        _NONE_TH,
        _NONE_EN,
        _RECEIVED_AS_OF_TH,
        _RECEIVED_AS_OF_EN,
        metrics=("channels_used",),
    ),
    Definition(
        "categories_with_standard",
        "หมวดหมู่ที่ใช้งานซึ่งมีมาตรฐานการให้บริการ",
        "Active categories with a service standard",
        "หมวดหมู่เรื่องที่เปิดใช้งานอยู่",
        "The categories in use",
        "หมวดหมู่ที่มีมาตรฐานเฉพาะ หรือทุกหมวดเมื่อมีมาตรฐานกลางที่เผยแพร่แล้ว",
        "Categories with their own standard, or all of them once the agency's default standard is published",
        "หมวดหมู่ที่เปิดใช้งานทั้งหมด",
        "Every active category",
        "หมวดหมู่ที่ใช้งาน ณ เวลาที่คำนวณ การเผยแพร่ ณ วันสิ้นรอบ",
        "Categories active when computed; publication as of the period's end",
        metrics=("categories_with_standard",),
    ),
    Definition(
        "standards_published",
        "การเผยแพร่มาตรฐานและขั้นตอนการจัดการข้อร้องเรียน",
        "Standards and process published",
        "ฉบับที่เผยแพร่ของมาตรฐานการให้บริการ",
        "The published versions of the service standards",
        "ฉบับล่าสุดที่เผยแพร่ก่อนสิ้นรอบ",
        "The latest version published before the period's end",
        "— (มี/ไม่มี)",
        "— (yes or no)",
        "ณ วันสิ้นรอบ",
        "As of the period's end",
        metrics=("standards_published",),
    ),
    Definition(
        "handled_in_system",
        "ดำเนินการครบในระบบพร้อมลำดับเหตุการณ์",
        "Handled wholly in the system",
        _C34_TH,
        _C34_EN,
        "เรื่องที่ดำเนินการเสร็จ ซึ่งลำดับเหตุการณ์มีทั้งการรับเรื่องและขั้นตอนที่ทำให้เสร็จ",
        "Finished complaints whose timeline holds both the receipt and the finishing step",
        "เรื่องที่ดำเนินการเสร็จ (แล้วเสร็จ ปิดเรื่อง ไม่อยู่ในอำนาจ หรือส่งต่อ)",
        "Finished complaints (resolved, closed, rejected or forwarded)",
        _NOW_TH,
        _NOW_EN,
        metrics=("handled_in_system",),
    ),
    Definition(
        "auto_categorised",
        "จัดหมวดหมู่อัตโนมัติด้วยแบบจำลองภาษาไทย",
        "Categorised automatically",
        _C34_TH,
        _C34_EN,
        "ข้อร้องเรียนที่หมวดหมู่มาจากแบบจำลองภาษาไทย",
        "Complaints whose category came from the Thai-text model",
        "ข้อร้องเรียนทั้งหมดของรอบ",
        "Every complaint of the period",
        _NOW_TH,
        _NOW_EN,
        metrics=("auto_categorised",),
    ),
    Definition(
        "ack_time",
        "ระยะเวลาตอบรับเรื่อง",
        "Time to acknowledge",
        _DASHBOARD_TH,
        _DASHBOARD_EN,
        "เรื่องในแต่ละช่วงเวลาตั้งแต่รับถึงตอบรับ (ภายใน 1 นาที ถึง เกิน 24 ชั่วโมง หรือยังไม่ตอบรับ); "
        "ตัวเลข 'ตอบรับภายใน 1 นาที' = เรื่องที่ตอบรับภายใน 1 นาที",
        "Submissions by the time from receipt to acknowledgement (within 1 minute to over 24 hours, or not yet); "
        "the 'within 1 minute' tile counts those acknowledged within a minute",
        "ตาราง: ทุกเรื่องที่รับ; ตัวเลขบนแถบสรุป: เรื่องที่ตอบรับแล้ว",
        "The table: everything received; the tile: the submissions acknowledged",
        _NOW_TH,
        _NOW_EN,
        figures=("ack_time",),
        kpis=("ack",),
    ),
    Definition(
        "ack_within_1wd",
        "ตอบรับภายใน 1 วันทำการ",
        "Acknowledged within 1 working day",
        _C34_TH,
        _C34_EN,
        "ข้อร้องเรียนที่ตอบรับภายในสิ้นวันทำการถัดจากวันที่รับ (ปฏิทินวันหยุดราชการ)",
        "Complaints acknowledged by the end of the working day after receipt (government holiday calendar)",
        "ข้อร้องเรียนทั้งหมดของรอบ (ที่ยังไม่ตอบรับนับเป็นไม่ผ่าน)",
        "Every complaint of the period (one not acknowledged counts as not within)",
        _NOW_TH,
        _NOW_EN,
        metrics=("ack_within_1wd",),
        differs_th="แดชบอร์ดแสดงการตอบรับภายใน 1 นาที ของทุกประเภทเรื่อง ส่วนเกณฑ์ 3.4 วัดภายใน 1 วันทำการ เฉพาะข้อร้องเรียน",
        differs_en="The dashboard shows acknowledgement within 1 minute for every kind; criterion 3.4 measures "
        "within 1 working day, complaints only",
    ),
    Definition(
        "median_ack_seconds",
        "ค่ามัธยฐานของเวลาตอบรับ",
        "Median acknowledgement time",
        _C34_TH,
        _C34_EN,
        "ค่ามัธยฐานของเวลาตั้งแต่รับถึงตอบรับ ของข้อร้องเรียนที่ตอบรับแล้ว",
        "The median time from receipt to acknowledgement of the complaints acknowledged",
        "ข้อร้องเรียนที่ตอบรับแล้ว",
        "The complaints acknowledged",
        _NOW_TH,
        _NOW_EN,
        metrics=("median_ack_seconds",),
    ),
    Definition(
        "tracking_number_given",
        "ผู้ร้องได้รับเลขที่เรื่องสำหรับติดตาม",
        "Tracking number given",
        _C34_TH,
        _C34_EN,
        "ข้อร้องเรียนที่ตอบรับแล้ว (การตอบรับแจ้งเลขที่เรื่องแก่ผู้ร้อง)",
        "Complaints acknowledged (the acknowledgement gives the complainant the tracking number)",
        "ข้อร้องเรียนทั้งหมดของรอบ",
        "Every complaint of the period",
        _NOW_TH,
        _NOW_EN,
        metrics=("tracking_number_given",),
    ),
    Definition(
        "tracking_lookups",
        "จำนวนครั้งที่ประชาชนติดตามเรื่อง",
        "Tracking lookups",
        "การค้นหาเรื่องด้วยเลขที่เรื่อง ทุกช่องทาง (เว็บไซต์ แอปพลิเคชัน)",
        "Look-ups of a complaint by its tracking number, on every channel (website, app)",
        "จำนวนครั้งที่ค้นหาในวันของรอบ",
        "The look-ups made on the days of the period",
        _NONE_TH,
        _NONE_EN,
        "ตามวันที่ค้นหา (เวลากรุงเทพฯ)",
        "By the day of the look-up (Bangkok time)",
        metrics=("tracking_lookups",),
    ),
    Definition(
        "resolution",
        "การแก้ไขตามมาตรฐานการให้บริการ",
        "Resolution against the service standard",
        _DASHBOARD_TH,
        _DASHBOARD_EN,
        "เรื่องที่แล้วเสร็จ (แจ้งผลหรือปิดเรื่อง) ภายในวันครบกำหนด; แถวอื่น: แล้วเสร็จเกินกำหนด ยังไม่เสร็จเกินกำหนด "
        "ยังไม่ถึงกำหนด พักเรื่อง และรวมกับเรื่องอื่น",
        "Submissions finished (answered or closed) by their due date; the other rows: finished late, open past "
        "the due date, open and not yet due, on hold, merged",
        "อัตราบนแถบสรุป: เรื่องที่แล้วเสร็จ (ตามมาตรฐาน + เกินมาตรฐาน)",
        "The tile's rate: the submissions finished (on time + late)",
        _NOW_TH + " การพักเรื่องหยุดนับเวลา",
        _NOW_EN + "; a hold stops the clock",
        figures=("resolution",),
        kpis=("on-time",),
        differs_th="อัตราบนแถบสรุปหารด้วยเรื่องที่แล้วเสร็จเท่านั้น ส่วนเกณฑ์ 3.4 ('เรื่องที่แล้วเสร็จตามมาตรฐาน') "
        "หารด้วยข้อร้องเรียนที่รู้ผลแล้ว ซึ่งนับเรื่องที่ยังไม่เสร็จแต่เลยกำหนดด้วย และนับ ณ วันสิ้นรอบ "
        "จึงต่ำกว่าเมื่อมีเรื่องค้างเกินกำหนด แม้ในรอบปัจจุบัน",
        differs_en="The tile divides by the finished submissions only; criterion 3.4 ('Resolved within the service "
        "standard') divides by the complaints whose outcome is known, open ones past their due date included, "
        "as of the period's end, so it is lower whenever overdue cases are still open, even in the current period",
    ),
    Definition(
        "overdue",
        "เรื่องที่เกินกำหนดมาตรฐาน",
        "Past the service standard",
        _C34_TH,
        _C34_EN,
        "ข้อร้องเรียนที่แจ้งผลหลังวันครบกำหนด หรือยังไม่แจ้งผลทั้งที่เลยกำหนดแล้ว (เรื่องที่พักไว้ก่อนครบกำหนดไม่นับ)",
        "Complaints answered after their due date, or still unanswered past it (one held before it was due is not)",
        "ข้อร้องเรียนที่ดำเนินการเอง (ไม่รวมที่ไม่อยู่ในอำนาจ ส่งต่อ หรือรวมกับเรื่องอื่น)",
        "Complaints handled here (not rejected, forwarded or merged)",
        _PERIOD_END_TH + " เรื่องที่ยังไม่แจ้งผลในเวลานั้น (รวมที่แจ้งผลหลังสิ้นรอบ) นับว่าเกินเมื่อเลยวันครบกำหนดแล้ว "
        "เรื่องที่แจ้งผลก่อนนั้นเทียบวันแจ้งผลกับวันครบกำหนด",
        _PERIOD_END_EN + "; a complaint unanswered then (answered after the period's end included) counts "
        "when past its due date, one answered before by its answer date against the due date",
        metrics=("overdue",),
    ),
    Definition(
        "resolved_within_standard",
        "เรื่องที่แล้วเสร็จตามมาตรฐานการให้บริการ",
        "Resolved within the service standard",
        _C34_TH,
        _C34_EN,
        "ข้อร้องเรียนที่ดำเนินการเองและแจ้งผลภายในวันครบกำหนด",
        "Complaints handled here answered on or before their due date",
        "ข้อร้องเรียนที่ดำเนินการเองซึ่งรู้ผลแล้ว: แจ้งผลแล้ว หรือยังไม่แจ้งผลทั้งที่เลยกำหนด (เรื่องที่ยังไม่ครบกำหนดยังไม่นับ)",
        "Complaints handled here whose outcome is known: answered, or unanswered past their due date "
        "(one not yet due is not counted yet)",
        _PERIOD_END_TH + " เรื่องที่แจ้งผลหลังสิ้นรอบนับเหมือนยังไม่แจ้งผล ณ วันสิ้นรอบ",
        _PERIOD_END_EN + "; one answered after the period's end counts as unanswered at its end",
        metrics=("resolved_within_standard",),
        differs_th="แดชบอร์ดนับ ณ เวลาที่เปิดหน้า ส่วนแบบประเมินนับ ณ วันสิ้นรอบ รอบที่ผ่านมาแล้วจึงอาจต่างกัน",
        differs_en="The dashboard counts as of when the page is opened, the assessment as of the period's end, "
        "so a past period may differ",
    ),
    Definition(
        "kept_informed",
        "ผู้ร้องได้รับเลขที่เรื่องและการแจ้งทุกความคืบหน้า",
        "Complainants sent the tracking number and every status change",
        _C34_TH + " ที่ผู้ร้องให้ช่องทางติดต่อไว้ (มีข้อความตอบรับถึงผู้ร้อง)",
        _C34_EN + ", whose complainant left a contact (an acknowledgement was addressed to them)",
        "ข้อร้องเรียนที่ตอบรับแล้ว และไม่มีข้อความแจ้งความคืบหน้าถึงผู้ร้องที่ส่งไม่สำเร็จหรือยังค้างส่ง",
        "Complaints acknowledged with no progress message to the complainant failed or still waiting",
        "ข้อร้องเรียนดังกล่าวทั้งหมด",
        "All such complaints",
        "ณ เวลาที่คำนวณ (สถานะการส่งข้อความ ณ ขณะนั้น)",
        "As of the moment computed (messages' delivery as it stands then)",
        metrics=("kept_informed",),
    ),
    Definition(
        "frequent_categories",
        "หมวดหมู่ที่ร้องเรียนบ่อย เทียบช่วงเดียวกันของปีก่อน",
        "Frequent complaint categories against the same period a year earlier",
        _C34_TH,
        _C34_EN,
        "จำนวนข้อร้องเรียนรวมของหมวดหมู่ที่พบมากที่สุดในรอบนี้ (5 อันดับแรก ปรับได้ในค่าตั้ง)",
        "The complaints of this period's most frequent categories together (the top 5; a setting)",
        "จำนวนข้อร้องเรียนของหมวดหมู่เดียวกันในช่วงเดียวกันของปีก่อน (ผ่านเกณฑ์เมื่อลดลง)",
        "The same categories' complaints in the same period a year earlier (met when it fell)",
        _RECEIVED_AS_OF_TH + " รอบที่ยังไม่สิ้นสุดเทียบกับจำนวนวันเท่ากันของปีก่อน",
        _RECEIVED_AS_OF_EN + "; a running period is compared with as many days a year earlier",
        metrics=("frequent_categories",),
    ),
    Definition(
        "frequent_clusters",
        "กลุ่มเรื่องร้องเรียนซ้ำที่พบบ่อย เทียบช่วงเดียวกันของปีก่อน",
        "Frequent recurring clusters against the same period a year earlier",
        _C34_TH,
        _C34_EN,
        "จำนวนข้อร้องเรียนรวมของกลุ่มเรื่องซ้ำที่ใหญ่ที่สุดในรอบนี้ (5 อันดับแรก ปรับได้ในค่าตั้ง)",
        "The complaints of this period's largest recurring clusters together (the top 5; a setting)",
        "จำนวนข้อร้องเรียนของกลุ่มเดียวกันในช่วงเดียวกันของปีก่อน (ผ่านเกณฑ์เมื่อลดลง)",
        "The same clusters' complaints in the same period a year earlier (met when it fell)",
        _RECEIVED_AS_OF_TH + " รอบที่ยังไม่สิ้นสุดเทียบกับจำนวนวันเท่ากันของปีก่อน",
        _RECEIVED_AS_OF_EN + "; a running period is compared with as many days a year earlier",
        metrics=("frequent_clusters",),
    ),
    Definition(
        "backlog",
        "เรื่องค้างดำเนินการ จำแนกตามอายุเรื่อง",
        "Open backlog by age",
        _DASHBOARD_TH,
        _DASHBOARD_EN,
        "เรื่องที่ยังไม่เสร็จ (รวมที่พักเรื่อง) แยกตามอายุนับจากวันที่รับ",
        "Submissions still open (on hold included), by their age since receipt",
        "เรื่องที่ยังไม่เสร็จทั้งหมด",
        "Every submission still open",
        _NOW_TH,
        _NOW_EN,
        figures=("backlog",),
    ),
    Definition(
        "reopen",
        "อัตราการเปิดเรื่องซ้ำ",
        "Reopen rate",
        _BOTH_TH,
        _BOTH_EN,
        "เรื่องที่แจ้งผลแล้วและถูกเปิดอีกครั้ง ไม่ว่าสถานะตอนนี้เป็นอย่างไร",
        "Answered cases that were reopened, whatever their status now",
        "เรื่องที่แจ้งผลแล้ว (แล้วเสร็จหรือปิดเรื่อง รวมที่ถูกเปิดอีกครั้ง ไม่รวมเรื่องที่ถูกรวม)",
        "Answered cases (resolved or closed, reopened ones included; merged ones left out)",
        _NOW_TH,
        _NOW_EN,
        figures=("reopen",),
        kpis=("reopen",),
        metrics=("reopened",),
        differs_th=_KINDS_DIFFER_TH,
        differs_en=_KINDS_DIFFER_EN,
    ),
    Definition(
        "repeat",
        "อัตราเรื่องร้องเรียนซ้ำ",
        "Repeat-complaint rate",
        _BOTH_TH,
        _BOTH_EN,
        "เรื่องที่ระบบหรือเจ้าหน้าที่ระบุว่าซ้ำกับเรื่องก่อนหน้า (ปัญหาเดิม)",
        "Submissions marked as a repeat of an earlier one (the same problem again)",
        "ทุกเรื่องที่รับ (แดชบอร์ด) หรือข้อร้องเรียนทั้งหมด (เกณฑ์ 3.4); รายไตรมาส: เรื่องที่รับในไตรมาสนั้น "
        "เทียบกับไตรมาสก่อน; เกณฑ์ 3.4 เทียบกับรอบก่อนหน้า",
        "Everything received (dashboard) or every complaint (criterion 3.4); by quarter: those received in the "
        "quarter, against the quarter before; criterion 3.4 compares with the previous period",
        _RECEIVED_AS_OF_TH,
        _RECEIVED_AS_OF_EN,
        figures=("repeat", "repeat_quarters"),
        kpis=("repeat",),
        metrics=("repeat_rate",),
        differs_th=_KINDS_DIFFER_TH,
        differs_en=_KINDS_DIFFER_EN,
    ),
    Definition(
        "clusters",
        "ปัญหาที่เกิดซ้ำบ่อยที่สุด",
        "Top recurring problems",
        _DASHBOARD_TH,
        _DASHBOARD_EN,
        "กลุ่มเรื่องที่คล้ายกัน 10 กลุ่มที่มีเรื่องมากที่สุดในเดือนของช่วงเวลา; แต่ละแถบนับเรื่องของกลุ่มที่รับในช่วงเวลา",
        "The 10 clusters of similar submissions with the most in the period's months; each bar counts the "
        "cluster's submissions received in the period",
        "ผลรวมของแถบที่แสดง",
        "The sum of the bars shown",
        _RECEIVED_AS_OF_TH,
        _RECEIVED_AS_OF_EN,
        figures=("clusters",),
    ),
    Definition(
        "corrective_actions",
        "ปัญหาซ้ำที่พบบ่อยซึ่งมีมาตรการแก้ไข",
        "Top recurring problems with a corrective action",
        "กลุ่มเรื่องที่คล้ายกันซึ่งมีมากกว่า 1 เรื่องในรอบ (ทุกประเภทเรื่อง ตามจำนวนรายเดือนของกลุ่ม)",
        "Clusters of similar submissions with more than one in the period "
        "(every kind, by the cluster's monthly counts)",
        "กลุ่มที่อยู่ในอันดับต้น ๆ ซึ่งมีมาตรการแก้ไขที่ไม่ถูกยกเลิก",
        "The top clusters with a corrective action that is not cancelled",
        "จำนวนกลุ่มอันดับต้นตามเกณฑ์ (ค่าเริ่มต้น 3 กลุ่ม)",
        "The number of top clusters the threshold names (3 by default)",
        "มาตรการ ณ เวลาที่คำนวณ",
        "Corrective actions as of the moment computed",
        metrics=("corrective_actions",),
    ),
    Definition(
        "root_causes",
        "สาเหตุของปัญหา",
        "Root causes",
        _DASHBOARD_TH,
        _DASHBOARD_EN,
        "เรื่องที่บันทึกสาเหตุไว้ (เมื่อแล้วเสร็จ) แยกตามสาเหตุ",
        "Submissions with a root cause recorded (at resolution), by cause",
        "เรื่องที่บันทึกสาเหตุทั้งหมด",
        "Every submission with a recorded cause",
        _NOW_TH,
        _NOW_EN,
        figures=("by_root_cause",),
    ),
    Definition(
        "root_cause",
        "เรื่องที่ปิดแล้วซึ่งบันทึกสาเหตุ",
        "Closed complaints with a root cause",
        _C34_TH,
        _C34_EN,
        "ข้อร้องเรียนที่ปิดเรื่องแล้วและบันทึกสาเหตุ",
        "Closed complaints with a root cause recorded",
        "ข้อร้องเรียนที่ปิดเรื่องแล้ว",
        "Closed complaints",
        _NOW_TH,
        _NOW_EN,
        metrics=("root_cause",),
    ),
    Definition(
        "satisfaction",
        "ความพึงพอใจต่อการแก้ไข (ให้คะแนน 4–5)",
        "Satisfaction (score 4-5)",
        _BOTH_TH,
        _BOTH_EN,
        "คำตอบแบบประเมินที่ให้คะแนนความพึงพอใจ 4 หรือ 5 (จาก 5); ตารางแสดงจำนวนคำตอบแต่ละคะแนน",
        "Survey answers scoring satisfaction 4 or 5 (of 5); the table shows the answers per score",
        "คำตอบแบบประเมินทั้งหมดของเรื่องในช่วงเวลา",
        "Every survey answer of the period's submissions",
        _NOW_TH + " (คำตอบที่ได้รับจนถึงเวลานั้น)",
        _NOW_EN + " (the answers received until then)",
        figures=("satisfaction",),
        kpis=("satisfaction",),
        metrics=("satisfied",),
        differs_th=_KINDS_DIFFER_TH,
        differs_en=_KINDS_DIFFER_EN,
    ),
    Definition(
        "confidence",
        "ความเชื่อมั่นต่อระบบ (ให้คะแนน 4–5)",
        "Confidence (score 4-5)",
        _BOTH_TH,
        _BOTH_EN,
        "คำตอบแบบประเมินที่ให้คะแนนความเชื่อมั่น 4 หรือ 5 (จาก 5)",
        "Survey answers scoring confidence 4 or 5 (of 5)",
        "คำตอบแบบประเมินทั้งหมดของเรื่องในช่วงเวลา",
        "Every survey answer of the period's submissions",
        _NOW_TH,
        _NOW_EN,
        figures=("confidence",),
        kpis=("confidence",),
        metrics=("confident",),
        differs_th=_KINDS_DIFFER_TH,
        differs_en=_KINDS_DIFFER_EN,
    ),
    Definition(
        "survey_response",
        "อัตราการตอบแบบประเมิน",
        "Survey response rate",
        _BOTH_TH,
        _BOTH_EN,
        "เรื่องที่ผู้ร้องตอบแบบประเมินแล้ว",
        "Submissions whose complainant answered the survey",
        "เรื่องที่ประเมินได้ (แล้วเสร็จหรือปิดเรื่อง)",
        "Submissions that can be rated (resolved or closed)",
        _NOW_TH,
        _NOW_EN,
        figures=("survey_response",),
        kpis=("response",),
        metrics=("survey_response_rate",),
        differs_th=_KINDS_DIFFER_TH,
        differs_en=_KINDS_DIFFER_EN,
    ),
    *_NEEDS_DEFINITIONS,
)


# What each 3.4 metric's link must list (tests/test_figure_links.py): the number the list
# holds and the drill-down filters of exactly those complaints, beside period and kind
# complaint (`merged=no`: the population counts a merged duplicate once, in the complaint
# it was merged into). Metrics whose number is no count of complaints (standards, tracking
# look-ups, clusters with an action) have no list here.
METRIC_LISTS: Mapping[str, MetricList] = MappingProxyType(
    {
        "channels_used": MetricList("total", {"merged": "no"}),
        "handled_in_system": MetricList("part", {"merged": "no", "timeline": "complete"}),
        "auto_categorised": MetricList("part", {"merged": "no", "category_source": "model"}),
        "ack_within_1wd": MetricList("part", {"merged": "no", "ack_1wd": "yes"}),
        "median_ack_seconds": MetricList("acknowledged", {"merged": "no", "acknowledged": "yes"}),
        "tracking_number_given": MetricList("part", {"merged": "no", "acknowledged": "yes"}),
        "overdue": MetricList("part", {"overdue": "yes"}),
        "resolved_within_standard": MetricList("part", {"standing": "on_time", "overdue": "no"}),
        "root_cause": MetricList("part", {"merged": "no", "status": "closed", "cause_recorded": "yes"}),
        "repeat_rate": MetricList("part", {"merged": "no", "repeat": "yes"}),
        "satisfied": MetricList("part", {"merged": "no", "satisfied": "yes"}),
        "confident": MetricList("part", {"merged": "no", "confident": "yes"}),
        "survey_response_rate": MetricList("part", {"merged": "no", "survey": "responded"}),
        "reopened": MetricList("part", {"reopened": "yes"}),
    }
)


_BY_KEY = {d.key: d for d in DEFINITIONS}
_BY_FIGURE = {figure: d for d in DEFINITIONS for figure in d.figures}
_BY_KPI = {kpi: d for d in DEFINITIONS for kpi in d.kpis}
_BY_METRIC = {metric: d for d in DEFINITIONS for metric in d.metrics}


def by_key(key: str) -> Definition | None:
    return _BY_KEY.get(key)


def for_figure(key: str) -> Definition | None:
    """The definition of a dashboard figure (a key of figures.FIGURES)."""
    return _BY_FIGURE.get(key)


def for_kpi(key: str) -> Definition | None:
    """The definition of a dashboard tile (KPI_TILES)."""
    return _BY_KPI.get(key)


def for_metric(key: str) -> Definition | None:
    """The definition of a criterion-3.4 metric (its key)."""
    return _BY_METRIC.get(key)


def undefined(figures: Iterable[str] = (), kpis: Iterable[str] = (), metrics: Iterable[str] = ()) -> list[str]:
    """The figures, tiles and metrics named that have no definition ("figure:by_x", ...)."""
    named = (("figure", figures, for_figure), ("kpi", kpis, for_kpi), ("metric", metrics, for_metric))
    return [f"{kind}:{key}" for kind, keys, lookup in named for key in keys if lookup(key) is None]


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), literal(0))


def period_totals(period: Period, visible: ColumnElement[bool] | None = None) -> dict[str, int]:
    """The three totals of one period in one scan, by the keys of TOTALS: the dashboard's
    received (what `visible` lets the reader see, every kind), criterion 3.1's (every kind,
    merged duplicates once, tip-offs out) and criterion 3.4's population (complaints only).
    The assessment's own counts (assessment.evidence.common) are held to the last two by
    tests/test_definitions.py. A scan of the period's rows: for a request, `totals_from_kinds`."""
    known = visible_complaints(PUBLIC)
    once = and_(Complaint.status != "merged", known)
    row = db.session.execute(
        select(
            _sum(visible if visible is not None else known),
            _sum(once),
            _sum(and_(once, Complaint.kind == "complaint")),
        ).where(Complaint.received_at >= period.start, Complaint.received_at < period.end)
    ).one()
    return dict(zip(TOTALS, (int(n) for n in row), strict=True))


def totals_from_kinds(period: Period, received_by_kind: Mapping[str, int]) -> dict[str, int]:
    """The three totals from the period's received counts by kind over every unit, tip-offs
    out (the dashboard's "by kind" figure for a reader who sees every unit but no tip-off),
    and the merged duplicates by kind: an index range (status, received_at), so the page
    that shows the totals scans no more rows than it already does."""
    merged = dict(
        db.session.execute(
            select(Complaint.kind, func.count())
            .where(
                Complaint.status == "merged",
                Complaint.received_at >= period.start,
                Complaint.received_at < period.end,
                visible_complaints(PUBLIC),
            )
            .group_by(Complaint.kind)
        ).all()
    )
    received = sum(received_by_kind.values())
    return {
        "dashboard": received,
        "criterion_31": received - sum(merged.values()),
        "criterion_34": received_by_kind.get("complaint", 0) - merged.get("complaint", 0),
    }
