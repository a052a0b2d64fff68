"""`flask --app complaints assessment report --period 2569 --format pdf --out report.pdf [--unit CODE]`.

Without --unit the report is the whole deployment's; with it, that assessed body's
(the complaints of the unit and the units below it)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from assessment import report, service
from complaints.domain.errors import BilingualError
from complaints.domain.periods import Period

assessment_cli = AppGroup("assessment", help="PMQA 4.0 category-3 self-assessment.")


@assessment_cli.command("report")
@click.option("--period", required=True, help="BE fiscal year or quarter, e.g. 2569 or 2569-Q1")
@click.option("--format", "fmt", type=click.Choice(sorted(report.FORMATS)), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--unit", "unit", default=None, help="an assessed body's unit code (default: the whole deployment)")
def report_command(period: str, fmt: str, out: str, unit: str | None) -> None:
    """Write the report of a period: the frozen snapshot once submitted, else computed now."""
    # Links in the report are built for the public base URL (assessment.links), as in mail sent to citizens.
    try:
        chosen = Period.parse(period)
        body = service.body_by_code(unit)
        content = service.content(chosen, service.find(chosen, body), body)
        data = report.render(content, fmt)
    except BilingualError as exc:
        raise click.ClickException(f"{exc.th} / {exc.en}") from None
    Path(out).write_bytes(data)
    click.echo(f"{out}: {content['status']}, category score {content['scores']['category_score']:.2f}")
