"""`flask rotate-contact-key`, `flask rehash-contacts` and `flask config-reference` (configuration chores)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("rotate-contact-key")
@with_appcontext
def rotate_contact_key_command() -> None:
    """Re-encrypt contact data (complainants, outbox recipients) under the newest CONTACT_ENCRYPTION_KEYS key."""
    from complaints.services.privacy import contact_crypto

    click.echo(f"re-encrypted {contact_crypto.rotate_all()} records")


@click.command("rehash-contacts")
@click.option(
    "--old-secret-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the previous CONTACT_KEY_SECRET (optional): rows whose hashes match "
    "neither it nor the new one are counted and reported.",
)
@with_appcontext
def rehash_contacts_command(old_secret_file: Path | None) -> None:
    """Recompute the contact hashes under the current CONTACT_KEY_SECRET (run after changing it)."""
    from complaints.services.privacy.contact_rehash import rehash_all

    # A file, not an option value: a secret on the command line is left in shell history
    # and visible to every user through the process list.
    old = old_secret_file.read_text(encoding="utf-8").strip() if old_secret_file else None
    if old_secret_file and not old:
        raise click.ClickException(f"ไฟล์ {old_secret_file} ว่าง / {old_secret_file} is empty.")
    result = rehash_all(old_secret=old)
    click.echo(
        f"คำนวณใหม่ {result.changed} จาก {result.complainants} ราย / "
        f"re-hashed {result.changed} of {result.complainants} complainants"
    )
    if result.unexplained:
        click.echo(
            f"คำเตือน: {result.unexplained} รายไม่ตรงกับกุญแจเดิม / warning: {result.unexplained} "
            f"matched neither the old nor the new secret (hashed under another secret?)",
            err=True,
        )


@click.command("config-reference")
@click.option("--check", is_flag=True, help="Only report whether the committed files are stale (exit 1).")
def config_reference_command(check: bool) -> None:
    """Write docs/configuration.md and .env.example from complaints/config.py."""
    from complaints import config_reference

    code = config_reference.main(["--check"] if check else [])
    if code:
        raise SystemExit(code)
