"""Command-line tools for realistic data: `flask import CSV`, `flask demo generate` and `flask seed-demo`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from complaints.cli.common import refuse_demo_data_in_production
from complaints.domain.errors import BilingualError
from complaints.models import Channel, Status
from complaints.services.datasets import demo_seed
from complaints.services.datasets.history_import import DEFAULT_PROVINCE


def _fail(exc: BilingualError) -> click.ClickException:
    return click.ClickException(f"{exc.th}\n{exc.en}")


@click.command("import")
@with_appcontext
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--channel",
    type=click.Choice([c.value for c in Channel]),
    default=Channel.API.value,
    show_default=True,
    help="Channel recorded for rows without a channel column.",
)
@click.option(
    "--province",
    default=DEFAULT_PROVINCE,
    show_default=True,
    help="Province of rows that name a district but no province (Traffy Fondue is Bangkok's).",
)
@click.option(
    "--status",
    "default_status",
    type=click.Choice([s.value for s in Status]),
    default=Status.CLOSED.value,
    show_default=True,
    help="Status of rows when the file has no state column.",
)
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@click.option(
    "--create-categories",
    is_flag=True,
    help="Create a category for each label that names none, marked for an admin's review.",
)
@click.option(
    "--default-unit",
    metavar="CODE",
    default=None,
    help="Unit that created categories go to (default: the INTAKE_UNIT_CODE unit; "
    "in a database with no unit at all one is created).",
)
def import_command(
    csv_path: Path,
    channel: str,
    province: str,
    default_status: str,
    batch_size: int,
    create_categories: bool,
    default_unit: str | None,
) -> None:
    """Import historical complaints from CSV_PATH (.csv or .csv.gz), e.g. the Traffy Fondue file."""
    from complaints.services.datasets import history_import

    if default_unit and not create_categories:
        raise click.UsageError(
            "--default-unit ใช้คู่กับ --create-categories เท่านั้น / --default-unit only applies with --create-categories"
        )
    options = history_import.Options(
        channel=channel,
        province=province or None,
        status=default_status,
        create_categories=create_categories,
        default_unit=default_unit or None,
    )
    try:
        total = history_import.count_rows(csv_path)
        with click.progressbar(length=total, label="นำเข้า / importing", show_pos=True) as bar:
            summary = history_import.import_csv(csv_path, options, batch_size, progress=bar.update)
    except BilingualError as exc:
        raise _fail(exc) from None
    for line in summary.lines():
        click.echo(line)
    if summary.unknown_labels:  # the way on for an agency importing its own categories
        refused, labels = summary.rejected["unknown-category"], summary.unknown_labels_text()
        click.echo(f"ไม่รับ {refused:,} แถวเพราะไม่พบหมวดหมู่ ({labels}): เพิ่ม --create-categories เพื่อสร้างหมวดหมู่เหล่านี้")
        click.echo(
            f"{refused:,} rows refused for unknown categories ({labels}); "
            "re-run with --create-categories to create them"
        )


demo_group = AppGroup("demo", help="Demo and benchmark data.")


@demo_group.command("generate")
@click.option(
    "--fiscal-year",
    type=click.IntRange(2500, 2700),
    default=None,
    help="BE fiscal year, e.g. 2569 (1 Oct 2025 - 30 Sep 2026); default the current one.",
)
@click.option("--count", type=click.IntRange(1, 10_000_000), default=3000, show_default=True)
@click.option("--seed", type=int, default=2569, show_default=True, help="Same seed, same data.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=2000, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds complaints.")
def generate_command(fiscal_year: int | None, count: int, seed: int, batch_size: int, if_empty: bool) -> None:
    """Generate a realistic year of complaints (texts from the Traffy Fondue file, NLP_BASE_DATA)."""
    import time

    from complaints.services.datasets import demo_year

    refuse_demo_data_in_production()
    if if_empty and demo_year.has_complaints():
        click.echo("complaints already present: nothing generated")
        return
    fiscal_year = fiscal_year or demo_year.current_fiscal_year()
    source = Path(current_app.config["NLP_BASE_DATA"])
    if not source.is_file():
        raise click.ClickException(f"ไม่พบไฟล์ข้อความตัวอย่าง / text source not found: {source} (set NLP_BASE_DATA)")
    started = time.perf_counter()
    try:
        with click.progressbar(length=count, label=f"ปีงบประมาณ / fiscal year {fiscal_year}", show_pos=True) as bar:
            summary = demo_year.generate(
                fiscal_year, count, seed, texts_path=source, batch_size=batch_size, progress=bar.update
            )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    seconds = time.perf_counter() - started
    click.echo(
        f"{summary.complaints:,} complaints, {summary.complainants:,} complainants, "
        f"{summary.events:,} timeline events, {summary.surveys:,} survey responses "
        f"in {seconds:.1f} s ({summary.complaints / seconds:,.0f} complaints/s)"
    )
    click.echo("status: " + ", ".join(f"{k} {v:,}" for k, v in sorted(summary.by_status.items())))


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the Bangkok district preset and a demo account for every role (passwords printed once)."""
    refuse_demo_data_in_production()
    result = demo_seed.seed()
    click.echo(f"units: {result.units_created} new, categories: {result.categories_created} new")
    for username, role, _, _ in demo_seed.DEMO_ACCOUNTS:
        if username in result.passwords:
            click.echo(f"{role} account: username '{username}' password '{result.passwords[username]}'")
        else:
            click.echo(f"{role} account '{username}' already exists (password unchanged)")
