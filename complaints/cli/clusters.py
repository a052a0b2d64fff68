"""`flask --app complaints clusters update`: cluster complaints now (backfills)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

clusters = AppGroup("clusters", help="Recurring-issue clusters.")


@clusters.command("update")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Complaints per transaction (default: CLUSTER_BATCH_SIZE)",
)
def update_command(batch_size) -> None:
    """Put every complaint not yet clustered into a cluster (what the periodic task does)."""
    from complaints.services.analytics.clusters import update_clusters

    started = time.perf_counter()
    result = update_clusters(batch_size=batch_size)
    seconds = time.perf_counter() - started
    click.echo(
        f"checked {result.checked} complaints in {seconds:.1f} s: {result.joined} joined a cluster, "
        f"{result.created} started one, {result.uncounted} merged complaints uncounted"
    )
