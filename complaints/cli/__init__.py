"""Command-line tools: `flask --app complaints setup | seed-demo | create-user | set-password | import | demo |
nlp | retention | ...`.

Each command is defined at module level in the module of its subject; `register` (part of the
composition root, called by create_app) adds them to the app. Nothing in this package imports
the package back: what the commands share is in complaints.cli.common.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add every command to `app.cli`. The modules are imported here, not above, so that
    importing one of them (complaints.cli.common) does not load every command and the assessment."""
    from assessment.cli import assessment_cli
    from complaints.cli.accounts import create_user_command, set_password_command
    from complaints.cli.clusters import clusters
    from complaints.cli.config import config_reference_command, rehash_contacts_command, rotate_contact_key_command
    from complaints.cli.data import demo_group, import_command, seed_demo_command
    from complaints.cli.nlp import nlp
    from complaints.cli.outbox import outbox
    from complaints.cli.retention import retention
    from complaints.cli.setup import setup_command

    for command in (
        nlp,
        clusters,
        assessment_cli,
        import_command,
        demo_group,
        seed_demo_command,
        setup_command,
        create_user_command,
        set_password_command,
        rotate_contact_key_command,
        rehash_contacts_command,
        config_reference_command,
        retention,
        outbox,
    ):
        app.cli.add_command(command)
