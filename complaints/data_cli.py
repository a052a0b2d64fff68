"""Command-line tools for realistic data: `flask import CSV` and `flask demo generate`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from complaints.errors import BilingualError
from complaints.models import Channel, Status


def _fail(exc: BilingualError) -> click.ClickException:
    return click.ClickException(f"{exc.th}\n{exc.en}")


@click.command("import")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--channel", type=click.Choice([c.value for c in Channel]), default=Channel.API.value,
              show_default=True, help="Channel recorded for rows without a channel column.")
@click.option("--province", default="กรุงเทพมหานคร", show_default=True,
              help="Province of rows that name a district but no province (Traffy Fondue is Bangkok's).")
@click.option("--status", "default_status", type=click.Choice([s.value for s in Status]),
              default=Status.CLOSED.value, show_default=True, help="Status of rows when the file has no state column.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True)
def import_command(csv_path: Path, channel: str, province: str, default_status: str, batch_size: int) -> None:
    """Import historical complaints from CSV_PATH (.csv or .csv.gz), e.g. the Traffy Fondue file."""
    from complaints.services import history_import

    options = history_import.Options(channel=channel, province=province or None, status=default_status)
    try:
        total = history_import.count_rows(csv_path)
        with click.progressbar(length=total, label="นำเข้า / importing", file=click.get_text_stream("stderr"),
                               show_pos=True) as bar:
            summary = history_import.import_csv(csv_path, options, batch_size, progress=bar.update)
    except BilingualError as exc:
        raise _fail(exc) from None
    for line in summary.lines():
        click.echo(line)


demo_group = AppGroup("demo", help="Demo and benchmark data.")
