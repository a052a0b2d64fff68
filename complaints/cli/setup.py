"""`flask setup`: set up a real agency (its name, the first admin, units and categories).

Non-interactive with options, and asks for whatever is missing. The same as the
first-run page (/setup); both call complaints.services.datasets.agency_setup. It never
creates demo complaints or demo accounts.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from complaints.cli.common import bilingual_lines
from complaints.domain.errors import BilingualError
from complaints.services.datasets.agency_setup import presets
from complaints.services.unit_of_work import unit_of_work

OWN_LISTS = "own"


def _read(path: str | None) -> bytes | None:
    if path is None:
        return None
    from complaints.services.datasets.agency_setup import MAX_CSV_BYTES

    try:
        with open(path, "rb") as file:
            # One byte more than allowed is enough to refuse a huge file without reading it all.
            return file.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"อ่านไฟล์ {path} ไม่ได้ / Cannot read {path}: {exc.strerror}") from None


def _password_from_file(path: str) -> str:
    data = _read(path) or b""
    try:
        # Only the first line: a file written by `echo` ends with a newline that is no part of it.
        return data.decode("utf-8").splitlines()[0] if data.strip() else ""
    except UnicodeDecodeError:
        raise click.ClickException(f"ไฟล์รหัสผ่านต้องเป็น UTF-8 / The password file {path} must be UTF-8.") from None


@click.command("setup")
@click.option("--agency-th", help="Agency name in Thai")
@click.option("--agency-en", help="Agency name in English")
@click.option("--admin-username", help="Username of the first admin")
@click.option("--admin-name", help="Display name of the first admin")
@click.option(
    "--admin-password-file",
    type=click.Path(dir_okay=False),
    help="Read the admin's password from the first line of this file (else it is asked for)",
)
@click.option(
    "--preset", type=click.Choice(list(presets())), help="Units, categories and service standards to start from"
)
@click.option("--units-csv", type=click.Path(dir_okay=False), help="Own units: code,name_th,name_en,parent_code")
@click.option(
    "--categories-csv",
    type=click.Path(dir_okay=False),
    help="Own categories: code,name_th,name_en,unit_code,ack_working_days,resolve_working_days",
)
@click.option(
    "--reference-data-only",
    is_flag=True,
    help="Only add the preset's or files' missing units and categories (allowed once set up)",
)
@with_appcontext
def setup_command(
    agency_th,
    agency_en,
    admin_username,
    admin_name,
    admin_password_file,
    preset,
    units_csv,
    categories_csv,
    reference_data_only,
) -> None:
    """Set up the agency: its name, the first admin account and its units and categories."""
    from complaints.services.datasets import agency_setup

    if preset and (units_csv or categories_csv):
        raise click.UsageError("ใช้ --preset หรือไฟล์ CSV อย่างใดอย่างหนึ่ง / Give --preset or the CSV files, not both.")
    if not reference_data_only and not agency_setup.needs_setup():
        raise click.ClickException(
            bilingual_lines(agency_setup.already_set_up()) + "\n"
            "(--reference-data-only เพิ่มเฉพาะหน่วยงานและหมวดหมู่ / "
            "--reference-data-only adds units and categories only)"
        )
    if not preset and not units_csv and not categories_csv:
        choices = [*agency_setup.presets(), OWN_LISTS]
        for name, text in agency_setup.presets().items():
            click.echo(f"  {name}: {text['name_th']} / {text['name_en']}")
        click.echo(f"  {OWN_LISTS}: รายการของหน่วยงานเอง (ไฟล์ CSV) / own lists (CSV files)")
        preset = click.prompt("ชุดข้อมูลตั้งต้น / Preset", type=click.Choice(choices), default=choices[0])
        if preset == OWN_LISTS:
            preset = None
            units_csv = click.prompt("ไฟล์หน่วยงาน / Units CSV", type=click.Path(dir_okay=False, exists=True))
            categories_csv = click.prompt("ไฟล์หมวดหมู่ / Categories CSV", type=click.Path(dir_okay=False, exists=True))
    try:
        lists = (
            agency_setup.load_preset(preset)
            if preset
            else agency_setup.read_lists(
                _read(units_csv), _read(categories_csv), require_special_units=not reference_data_only
            )
        )
        if reference_data_only:
            with unit_of_work():
                added = agency_setup.add_reference_data_only(lists)
            click.echo(f"units: {added.units} new, categories: {added.categories} new")
            return
        agency_th = agency_th or click.prompt("ชื่อหน่วยงานภาษาไทย / Agency name in Thai")
        agency_en = agency_en or click.prompt("ชื่อหน่วยงานภาษาอังกฤษ / Agency name in English")
        admin_username = admin_username or click.prompt("ชื่อผู้ใช้ของผู้ดูแลระบบ / Admin username")
        admin_name = admin_name or click.prompt("ชื่อที่แสดงของผู้ดูแลระบบ / Admin display name", default=admin_username)
        password = (
            _password_from_file(admin_password_file)
            if admin_password_file
            else click.prompt(
                "รหัสผ่านผู้ดูแลระบบ / Admin password",
                hide_input=True,
                confirmation_prompt="ยืนยันรหัสผ่าน / Repeat the password",
            )
        )
        with unit_of_work():
            result = agency_setup.set_up(
                agency_th=agency_th,
                agency_en=agency_en,
                username=admin_username,
                display_name=admin_name,
                password=password,
                lists=lists,
            )
    except BilingualError as exc:
        raise click.ClickException(bilingual_lines(exc)) from None
    click.echo(
        f"units: {result.added.units} new, categories: {result.added.categories} new, "
        f"standards: {result.added.standards} new"
    )
    click.echo(f"admin account: username '{result.admin_username}' (sign in at /login)")
