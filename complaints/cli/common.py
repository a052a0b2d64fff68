"""What several command modules share: the production guard of demo data, bilingual errors as text."""

from __future__ import annotations

import click
from flask import current_app


def refuse_demo_data_in_production() -> None:
    """Demo accounts and made-up complaints never enter a production database."""
    if current_app.config["RONGRIAN_ENV"] == "production":
        raise click.ClickException(
            "ไม่สร้างข้อมูลตัวอย่างในระบบใช้งานจริง (RONGRIAN_ENV=production): ใช้ flask setup แทน / "
            "Demo data is never made in production (RONGRIAN_ENV=production): use flask setup instead."
        )


def bilingual_lines(exc) -> str:
    """A BilingualError as text for the terminal: the message and each problem, Thai / English."""
    lines = [f"{exc.th} / {exc.en}"]
    lines += [f"  - {e.th} / {e.en}" if e.th != e.en else f"  - {e.th}" for e in exc.errors]
    return "\n".join(lines)
