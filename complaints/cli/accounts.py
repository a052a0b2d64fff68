"""`flask create-user` and `flask set-password`: staff accounts from the command line."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from complaints.cli.common import bilingual_lines
from complaints.models import ROLES


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Display name")
@click.option("--role", type=click.Choice(ROLES), default="officer", show_default=True)
@click.option("--unit", "unit_code", default=None, help="Unit code")
@click.option("--password", default=None, help="Leave out to generate one")
@with_appcontext
def create_user_command(username, display_name, role, unit_code, password) -> None:
    """Create a staff account."""
    # Through the CLI rule: an integrity officer made here is audited and told.
    from complaints.services.staff.accounts import AccountError
    from complaints.services.staff.accounts import create_user_by_cli as create

    password = password or secrets.token_urlsafe(12)
    try:
        create(username, display_name, role, password, unit_code)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {role} '{username}' with password '{password}'")


@click.command("set-password")
@click.option("--username", required=True)
@click.option("--generate", is_flag=True, help="Make a random password and print it")
@with_appcontext
def set_password_command(username: str, generate: bool) -> None:
    """Set a staff account's password: ends its sessions and clears a sign-in lockout."""
    from complaints.domain.errors import BilingualError
    from complaints.services.staff import accounts, user_admin

    user = accounts.user_named(username)
    if user is None:
        raise click.ClickException(f"ไม่พบผู้ใช้ {username} / No user named {username!r}.")
    password = (
        None
        if generate
        else click.prompt(
            "รหัสผ่านใหม่ / New password", hide_input=True, confirmation_prompt="ยืนยันรหัสผ่าน / Repeat the password"
        )
    )
    try:
        password = user_admin.new_password(password)  # the admin pages' strength rule
    except BilingualError as exc:
        raise click.ClickException(bilingual_lines(exc)) from None
    # The command line's rule: sessions ended, throttle cleared, and an integrity
    # officer's new password audited and told to the others (a grant).
    accounts.set_password_by_cli(user, password)
    current_app.logger.info("cli: set-password for %s", username)
    if generate:
        click.echo(f"password of '{username}' is now '{password}'")
    else:
        click.echo(f"รหัสผ่านของ {username} เปลี่ยนแล้ว / password of '{username}' changed")
