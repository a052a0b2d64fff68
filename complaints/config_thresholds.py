"""The thresholds of the self-assessment (3.1-3.4): each key's default, meaning and source.

The agency changes them with ASSESSMENT_THRESHOLDS (a JSON object) in the environment;
`threshold_problems` is what the start-up checks refuse (complaints.startup_checks), so a
typo in a key or a share of 95 instead of 0.95 stops the process instead of silently
scoring with the default. docs/thresholds.md explains each one; a test keeps it in step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["RETIRED", "THRESHOLDS", "Threshold", "parse_thresholds", "threshold_problems"]

AGENCY_CHOICE_TH = "หน่วยงานกำหนดเอง (แนวทาง PMQA ไม่กำหนดตัวเลข)"
AGENCY_CHOICE_EN = "Agency choice (PMQA guidance sets no figure)"


@dataclass(frozen=True)
class Threshold:
    key: str
    default: float | int
    kind: str  # "share" (0-1) or "count" (a whole number, at least 1)
    meaning_th: str
    meaning_en: str
    source_th: str = AGENCY_CHOICE_TH
    source_en: str = AGENCY_CHOICE_EN


THRESHOLDS: dict[str, Threshold] = {
    t.key: t
    for t in [
        Threshold(
            "min_channels",
            4,
            "count",
            "จำนวนช่องทางที่มีผู้ใช้ร้องเรียนในรอบ อย่างน้อย",
            "Channels used in the period, at least",
        ),
        Threshold(
            "min_categories_with_standard",
            1.0,
            "share",
            "สัดส่วนหมวดหมู่ที่ใช้งานซึ่งมีมาตรฐานการให้บริการ",
            "Share of active categories with a service standard",
            "เกณฑ์ PMQA 3.4-B2: มาตรฐานที่ชัดเจนสำหรับทุกเรื่องที่รับ",
            "PMQA 3.4-B2 asks for a clear standard: every category handled has one",
        ),
        Threshold(
            "min_handled_in_system",
            0.95,
            "share",
            "สัดส่วนเรื่องที่ดำเนินการเสร็จซึ่งบันทึกการรับและการดำเนินการเสร็จในระบบ",
            "Share of finished complaints whose receipt and finishing step are in the system",
        ),
        Threshold(
            "min_ack_within_1wd",
            0.95,
            "share",
            "สัดส่วนเรื่องที่ตอบรับภายใน 1 วันทำการ (มาตรฐานตอบรับของหน่วยงาน)",
            "Share acknowledged within 1 working day (the agency's acknowledgement standard)",
            "มาตรฐานตอบรับ 1 วันทำการ: มาตรฐานการให้บริการของหน่วยงาน (ค่าเริ่มต้นของระบบ); สัดส่วน 95% หน่วยงานกำหนดเอง",
            "1 working day: the agency's service standard (Rongrian's default standard); the 95 % share: agency choice",
        ),
        Threshold(
            "min_tracking_number_given",
            1.0,
            "share",
            "สัดส่วนผู้ร้องที่ได้รับเลขที่เรื่องสำหรับติดตาม",
            "Share of complainants given a tracking number",
            "เกณฑ์ PMQA 3.4-A3: ระบบติดตามเรื่อง ทุกเรื่องต้องติดตามได้",
            "PMQA 3.4-A3 (tracking): every complaint must be traceable",
        ),
        Threshold(
            "min_kept_informed",
            0.95,
            "share",
            "สัดส่วนเรื่องที่ติดต่อผู้ร้องได้ ซึ่งส่งเลขที่เรื่องและแจ้งทุกความคืบหน้าถึงผู้ร้องแล้ว",
            "Share of reachable complainants sent the tracking number and every status change",
        ),
        Threshold(
            "min_resolved_within_standard",
            0.80,
            "share",
            "สัดส่วนเรื่องที่แล้วเสร็จภายในกำหนดมาตรฐาน (ตอบภายใน 15 วัน ตามมาตรฐานเริ่มต้น) ของเรื่องที่รู้ผลแล้ว",
            "Share resolved on or before the due date (15 days by the default standard) of those decided",
            "กำหนด 15 วัน: พระราชกฤษฎีกาว่าด้วยหลักเกณฑ์และวิธีการบริหารกิจการบ้านเมืองที่ดี พ.ศ. 2546 มาตรา 38; "
            "สัดส่วน 80% หน่วยงานกำหนดเอง (เป้าหมายที่พบบ่อยในตัวชี้วัดของส่วนราชการ ไม่มีเกณฑ์ทางการ)",
            "15 days: Royal Decree on Criteria and Procedures for Good Governance B.E. 2546 (2003), section 38; "
            "the 80 % share: agency choice (a common target in agencies' own indicators; no official figure)",
        ),
        Threshold(
            "max_overdue",
            0.05,
            "share",
            "สัดส่วนเรื่องที่เกินกำหนดมาตรฐาน (แล้วเสร็จช้า หรือยังไม่เสร็จเมื่อเลยกำหนด) ไม่เกิน",
            "Share past the service standard (answered late, or still open past the due date), at most",
        ),
        Threshold(
            "min_root_cause",
            0.90,
            "share",
            "สัดส่วนเรื่องที่ปิดแล้วซึ่งบันทึกสาเหตุ",
            "Share of closed complaints with a root cause",
        ),
        Threshold(
            "top_clusters",
            3,
            "count",
            "จำนวนกลุ่มเรื่องร้องเรียนซ้ำอันดับต้นที่ต้องมีมาตรการแก้ไข",
            "How many top recurring clusters must have a corrective action",
        ),
        Threshold(
            "top_frequent",
            5,
            "count",
            "จำนวนหมวดหมู่และกลุ่มเรื่องซ้ำที่พบบ่อยอันดับต้นที่เปรียบเทียบกับปีก่อน",
            "How many top categories and recurring clusters are compared with a year earlier",
        ),
        Threshold(
            "min_satisfied",
            0.85,
            "share",
            "สัดส่วนผู้ตอบแบบประเมินที่พึงพอใจ (คะแนน 4–5)",
            "Share of survey answers satisfied (score 4-5)",
            "หน่วยงานกำหนดเอง: ร้อยละ 85 เป็นเป้าหมายความพึงพอใจที่ส่วนราชการใช้บ่อย ไม่มีเกณฑ์ทางการ",
            "Agency choice: 85 % is a satisfaction target agencies often use; no official figure",
        ),
        Threshold(
            "min_confident",
            0.85,
            "share",
            "สัดส่วนผู้ตอบแบบประเมินที่เชื่อมั่นในระบบ (คะแนน 4–5)",
            "Share of survey answers confident in the system (score 4-5)",
            "หน่วยงานกำหนดเอง: เท่ากับเป้าหมายความพึงพอใจ (เกณฑ์ 3.4-S2 ถามทั้งความเชื่อมั่นและความพึงพอใจ)",
            "Agency choice: the same as the satisfaction target (3.4-S2 asks for both confidence and satisfaction)",
        ),
        Threshold(
            "max_reopened",
            0.05,
            "share",
            "สัดส่วนเรื่องที่ถูกเปิดใหม่หลังแจ้งผล ไม่เกิน",
            "Share reopened after the answer, at most",
        ),
        # Criteria 3.1-3.3 (assessment.evidence.criterion31-33): the form sets no figures.
        Threshold(
            "needs_min_suggestions",
            1,
            "count",
            "ข้อเสนอแนะที่ได้รับในรอบ อย่างน้อย",
            "Suggestions received in the period, at least",
        ),
        Threshold(
            "needs_min_categorised",
            0.9,
            "share",
            "สัดส่วนเรื่องที่รับซึ่งจัดหมวดหมู่แล้ว",
            "Share of submissions with a category",
        ),
        Threshold(
            "needs_min_answered",
            0.8,
            "share",
            "สัดส่วนเรื่องที่รับซึ่งได้รับการตอบสนองแล้ว",
            "Share of submissions answered",
        ),
        Threshold(
            "needs_min_digital",
            0.5,
            "share",
            "สัดส่วนความต้องการที่รับผ่านช่องทางดิจิทัล",
            "Share of needs captured through digital channels",
        ),
        Threshold(
            "needs_min_actions",
            1,
            "count",
            "มาตรการแก้ไขที่เปิด (3.1-S1) และที่เสร็จ (3.3-B1) ในรอบ อย่างน้อย",
            "Corrective actions opened (3.1-S1) and completed (3.3-B1) in the period, at least",
        ),
        Threshold(
            "needs_emerging_rise",
            0.5,
            "share",
            "ประเด็นที่เพิ่มขึ้น: 3 เดือนล่าสุดเพิ่มขึ้นอย่างน้อยเท่านี้ จากช่วงเดียวกันของปีก่อน",
            "An emerging issue: its last 3 months rose at least this much on the same months a year before",
        ),
        Threshold(
            "needs_emerging_min_increase",
            5,
            "count",
            "ประเด็นที่เพิ่มขึ้น: และเพิ่มขึ้นอย่างน้อยเท่านี้เรื่อง",
            "An emerging issue: and by at least this many submissions",
        ),
        Threshold(
            "needs_min_response_rate",
            0.2,
            "share",
            "อัตราการตอบแบบประเมินของเรื่องที่ประเมินได้",
            "Survey answers of what could be rated",
        ),
        Threshold(
            "needs_min_low_scores_actioned",
            0.8,
            "share",
            "สัดส่วนคะแนนต่ำ (1–2) ที่มีมาตรการแก้ไข",
            "Share of low scores (1-2) with a corrective action",
        ),
        Threshold(
            "needs_min_other_sources",
            2,
            "count",
            "แหล่งข้อมูลอื่นที่เชื่อมโยง อย่างน้อย",
            "Other data sources joined, at least",
        ),
        Threshold(
            "needs_min_channel_volume",
            5,
            "count",
            "ช่องทางที่มีเรื่องอย่างน้อยเท่านี้จึงนำมาประเมิน",
            "A channel is judged from this many submissions",
        ),
        Threshold(
            "needs_min_channel_ack",
            0.9,
            "share",
            "สัดส่วนที่ตอบรับภายใน 1 วันทำการ ของทุกช่องทางที่ประเมิน",
            "Share acknowledged within 1 working day, in every judged channel",
        ),
        Threshold(
            "needs_min_unit_coverage",
            0.8,
            "share",
            "สัดส่วนหน่วยงานที่ใช้งานซึ่งรับและตอบเรื่อง",
            "Share of active units that received and answered submissions",
        ),
        Threshold(
            "needs_min_segments",
            1,
            "count",
            "กลุ่มเรื่องที่มีมาตรฐานของตนเองและมีเรื่องในรอบ อย่างน้อย",
            "Segments with their own standard, in use, at least",
        ),
    ]
}

# Keys an older version knew: named in the refusal so the agency knows what to remove.
RETIRED = {
    "min_tracking_lookups": (
        "ยกเลิกแล้ว: การค้นหาเรื่อง 1 ครั้งต่อปีไม่ใช่หลักฐานของระบบติดตาม ใช้ min_kept_informed แทน",
        "retired: one lookup a year is no evidence of tracking; min_kept_informed replaced it",
    )
}


def parse_thresholds(raw: str | None) -> dict | str:
    """ASSESSMENT_THRESHOLDS as read from the environment: the JSON value, or the raw text
    when it is not JSON (the start-up check then names the problem)."""
    try:
        return json.loads(raw or "{}")
    except ValueError:
        return raw or ""


def _problem(key: str, th: str, en: str) -> str:
    return f"ASSESSMENT_THRESHOLDS: {key} {th} / ASSESSMENT_THRESHOLDS: {key} {en}"


def threshold_problems(configured: object) -> list[str]:
    """What is wrong with an ASSESSMENT_THRESHOLDS value, each a bilingual sentence (empty: fine)."""
    if not isinstance(configured, dict):
        return [
            'ASSESSMENT_THRESHOLDS ต้องเป็นออบเจ็กต์ JSON เช่น {"min_channels": 5} / '
            f'ASSESSMENT_THRESHOLDS must be a JSON object such as {{"min_channels": 5}}, not {configured!r}'
        ]
    problems = []
    for key, value in configured.items():
        spec = THRESHOLDS.get(key)
        if spec is None:
            retired = RETIRED.get(key)
            th, en = retired or ("ไม่รู้จัก", f"is unknown; known keys: {', '.join(THRESHOLDS)}")
            problems.append(_problem(key, th, en))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(_problem(key, f"ต้องเป็นตัวเลข ไม่ใช่ {value!r}", f"must be a number, not {value!r}"))
        elif spec.kind == "share" and not 0 <= value <= 1:
            problems.append(
                _problem(
                    key,
                    f"เป็นสัดส่วน ต้องอยู่ระหว่าง 0 ถึง 1 (เช่น 0.95 คือ 95%) ไม่ใช่ {value}",
                    f"is a share between 0 and 1 (0.95 is 95 %), not {value}",
                )
            )
        elif spec.kind == "count" and (value != int(value) or value < 1):
            problems.append(
                _problem(
                    key, f"ต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป ไม่ใช่ {value}", f"must be a whole number of 1 or more, not {value}"
                )
            )
    return problems
