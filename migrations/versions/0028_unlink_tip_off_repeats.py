"""Repeat links between a tip-off and an ordinary complaint are removed

The background repeat pass used to link a complaint to an earlier one of the same
person whatever their kinds, so an ordinary complaint could name a tip-off (issue 16).
Since the visibility rule (access.may_link) such links are never made and pages hide
old ones, but the stored links still counted in the "repeat" figures. They are cleared
here; tip-off to tip-off and ordinary to ordinary links stay. The downgrade cannot know
which links there were: it leaves them cleared (the next repeat pass would not make them
again either).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 19:25:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE complaints SET repeat_of_id = NULL WHERE repeat_of_id IS NOT NULL AND "
        "(CASE WHEN kind = 'tip_off' THEN 1 ELSE 0 END) <> "
        "(SELECT CASE WHEN earlier.kind = 'tip_off' THEN 1 ELSE 0 END FROM complaints AS earlier "
        " WHERE earlier.id = complaints.repeat_of_id)"
    )


def downgrade():
    pass
