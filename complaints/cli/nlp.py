"""`flask --app complaints nlp train | evaluate`."""

from __future__ import annotations

import json
import time

import click
from flask.cli import AppGroup


@click.group("nlp", cls=AppGroup)
def nlp() -> None:
    """Thai text classifier of complaint categories."""


_model_option = click.option(
    "--model",
    "model",
    type=click.Path(dir_okay=False),
    default=None,
    help="Artefact path (default: $RONGRIAN_NLP_MODEL or the shipped model)",
)


@nlp.command("train")
@click.option(
    "--data",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="CSV (or .csv.gz) with columns text,label and optionally all_labels",
)
@_model_option
@click.option(
    "--exclude-heldout",
    is_flag=True,
    help="De-duplicate and leave out the held-out part of the fixed random split "
    "(how the shipped model is built, so its held-out figures stay honest)",
)
def train_command(data, model, exclude_heldout) -> None:
    """Train the classifier on a labelled CSV and save the artefact."""
    from complaints.nlp.evaluation import evaluate, file_sha256, random_split, read_rows
    from complaints.nlp.model import model_path, train

    started = time.perf_counter()
    rows = read_rows(data)
    indices: list[int] | None = None
    held_out: list[int] = []
    split = None
    if exclude_heldout:
        indices, held_out, removed = random_split(rows)
        click.echo(
            f"{len(rows)} rows, {removed} near-duplicates removed, training on {len(indices)}, {len(held_out)} held out"
        )
        split = {
            "kind": "random, de-duplicated",
            "duplicates_removed": removed,
            "n_train": len(indices),
            "n_heldout": len(held_out),
        }
    try:
        clf = train(rows, indices, data_sha256=file_sha256(data), source=str(data), log=lambda msg: click.echo(msg))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if split is not None:
        clf.metadata["split"] = split
        clf.metadata["metrics"]["heldout"] = evaluate(clf, [rows[i] for i in held_out])
    clf.metadata["train_seconds"] = round(time.perf_counter() - started, 1)
    path = clf.save(model_path(model))
    click.echo(f"metrics: {json.dumps(clf.metadata['metrics'], ensure_ascii=False)}")
    click.echo(
        f"saved {path} ({path.stat().st_size / 1e6:.1f} MB, {len(clf.labels)} labels, "
        f"{clf.metadata['train_seconds']} s)"
    )


@nlp.command("evaluate")
@click.option(
    "--data",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="CSV (or .csv.gz) with columns text,label and optionally all_labels",
)
@_model_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object")
@click.option("--heldout", is_flag=True, help="Only the held-out part of the fixed de-duplicated random split")
@click.option(
    "--rolling",
    is_flag=True,
    help="Split (b) as a deployed Rongrian meets it: train on the rows before --cutoff, then predict "
    "the later rows in time order while retraining every --every-days days by the product's "
    "retraining policy (trains its own models; --model is not used; takes minutes)",
)
@click.option(
    "--cutoff", default=None, help="With --rolling: the first day of the arriving rows (default: split (b)'s cutoff)"
)
@click.option(
    "--every-days",
    type=click.IntRange(1, 366),
    default=7,
    show_default=True,
    help="With --rolling: days between retraining runs",
)
def evaluate_command(data, model, as_json, heldout, rolling, cutoff, every_days) -> None:
    """Score the classifier against a labelled CSV."""
    from complaints.nlp.evaluation import TEMPORAL_CUTOFF, evaluate, random_split, read_rows
    from complaints.nlp.model import load_model, model_path

    if rolling:
        from flask import current_app

        from complaints.nlp.retraining_policy import rolling_evaluation

        config = current_app.config
        log = (lambda msg: click.echo(msg, err=True)) if as_json else click.echo
        try:
            result = rolling_evaluation(
                read_rows(data),
                cutoff or TEMPORAL_CUTOFF,
                every_days=every_days,
                recent_days=config["NLP_RECENT_HOLDOUT_DAYS"],
                tolerance=config["NLP_PROMOTION_TOLERANCE"],
                f1_tolerance=config["NLP_PROMOTION_F1_TOLERANCE"],
                min_recent=config["NLP_RECENT_HOLDOUT_MIN"],
                log=log,
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            json.dumps(result, ensure_ascii=False) if as_json else json.dumps(result, ensure_ascii=False, indent=1)
        )
        return
    path = model_path(model)
    if not path.exists():
        raise click.ClickException(f"no model at {path}: run `flask --app complaints nlp train` first")
    rows = read_rows(data)
    if heldout:
        rows = [rows[i] for i in random_split(rows)[1]]
    result = evaluate(load_model(path), rows)
    if as_json:
        click.echo(json.dumps(result))
    else:
        for key, value in result.items():
            click.echo(f"{key:>18}: {value}")
