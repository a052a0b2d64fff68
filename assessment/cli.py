"""`flask --app complaints assessment report --period 2569 --format pdf --out report.pdf`."""

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
def report_command(period: str, fmt: str, out: str) -> None:
    """Write the report of a period: the frozen snapshot once submitted, else computed now."""
    # Links in the report are built for the public base URL (assessment.links), as in mail sent to citizens.
    try:
        chosen = Period.parse(period)
        content = service.content(chosen, service.find(chosen))
        data = report.render(content, fmt)
    except BilingualError as exc:
        raise click.ClickException(f"{exc.th} / {exc.en}") from None
    Path(out).write_bytes(data)
    click.echo(f"{out}: {content['status']}, category score {content['scores']['category_score']:.2f}")
