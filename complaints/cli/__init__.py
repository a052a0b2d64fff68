"""Command-line tools: `flask --app complaints setup | seed-demo | create-user | set-password | import | demo |
nlp | retention`."""

from __future__ import annotations

import secrets

import click
from flask import Flask

from complaints.models import ROLES
from complaints.services.datasets import demo_seed


def register(app: Flask) -> None:
    from assessment.cli import assessment_cli
    from complaints.cli.clusters import clusters as clusters_group
    from complaints.cli.config import config_reference_command, rehash_contacts_command
    from complaints.cli.data import demo_group, import_command
    from complaints.cli.nlp import nlp as nlp_group
    from complaints.cli.outbox import outbox as outbox_group
    from complaints.cli.retention import retention
    from complaints.cli.setup import setup_command

    app.cli.add_command(nlp_group)
    app.cli.add_command(clusters_group)
    app.cli.add_command(assessment_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(demo_group)
    app.cli.add_command(setup_command)
    app.cli.add_command(rehash_contacts_command)
    app.cli.add_command(config_reference_command)
    app.cli.add_command(retention)
    app.cli.add_command(outbox_group)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the Bangkok district preset and a demo account for every role (passwords printed once)."""
        refuse_demo_data_in_production()
        result = demo_seed.seed()
        click.echo(f"units: {result.units_created} new, categories: {result.categories_created} new")
        for username, role, _, _ in demo_seed.DEMO_ACCOUNTS:
            if username in result.passwords:
                click.echo(f"{role} account: username '{username}' password '{result.passwords[username]}'")
            else:
                click.echo(f"{role} account '{username}' already exists (password unchanged)")

    @app.cli.command("rotate-contact-key")
    def rotate_contact_key() -> None:
        """Re-encrypt contact data (complainants, outbox recipients) under the newest CONTACT_ENCRYPTION_KEYS key."""
        from complaints.services.privacy import contact_crypto

        click.echo(f"re-encrypted {contact_crypto.rotate_all()} records")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--name", "display_name", required=True, help="Display name")
    @click.option("--role", type=click.Choice(ROLES), default="officer", show_default=True)
    @click.option("--unit", "unit_code", default=None, help="Unit code")
    @click.option("--password", default=None, help="Leave out to generate one")
    def create_user(username, display_name, role, unit_code, password) -> None:
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

    @app.cli.command("set-password")
    @click.option("--username", required=True)
    @click.option("--generate", is_flag=True, help="Make a random password and print it")
    def set_password(username: str, generate: bool) -> None:
        """Set a staff account's password: ends its sessions and clears a sign-in lockout."""
        from sqlalchemy import select

        from complaints.domain.errors import BilingualError
        from complaints.extensions import db
        from complaints.models import User
        from complaints.services.staff import accounts, user_admin

        user = db.session.scalar(select(User).where(User.username == username))
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
        app.logger.info("cli: set-password for %s", username)
        if generate:
            click.echo(f"password of '{username}' is now '{password}'")
        else:
            click.echo(f"รหัสผ่านของ {username} เปลี่ยนแล้ว / password of '{username}' changed")


def refuse_demo_data_in_production() -> None:
    """Demo accounts and made-up complaints never enter a production database."""
    from flask import current_app

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
