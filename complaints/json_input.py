"""One safe JSON parse for every JSON body the app reads.

Python's json module recurses once per nesting level: 2 KB of `[[[[…` raises
RecursionError (not ValueError), which `request.get_json(silent=True)` lets through
as a 500, and a document just under the interpreter's limit still makes every later
walk over it (validation, cleaning) recurse as deep. No complaint, webhook or Open311
body needs more than a few levels, so anything nested deeper than MAX_DEPTH is refused
as a 400 before any service sees it.

The app's JSON provider applies the same rule, so a stray `request.get_json()` is safe
too (a too-deep body reads as malformed, i.e. None with silent=True).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from complaints.domain.errors import BilingualError

MAX_DEPTH = 32


class TooDeep(ValueError):
    """A JSON document nested more than MAX_DEPTH levels."""


def _check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    # An explicit stack: measuring a deep document must not recurse either.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise TooDeep(f"JSON nested more than {limit} levels")
        stack.extend((child, depth + 1) for child in children)


class SafeJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise TooDeep("JSON nested too deeply to parse") from None
        _check_depth(value)
        return value


def init_app(app: Flask) -> None:
    app.json_provider_class = SafeJSONProvider
    app.json = SafeJSONProvider(app)


MALFORMED = ("malformed-json", "ข้อมูล JSON ไม่ถูกต้อง อ่านไม่ได้", "The body is not valid JSON.")
TOO_DEEP = (
    "json-too-deep",
    f"ข้อมูล JSON ซ้อนกันเกิน {MAX_DEPTH} ชั้น",
    f"The JSON body is nested more than {MAX_DEPTH} levels deep.",
)


def loads_checked(raw: str | bytes) -> Any:
    """`raw` parsed as JSON within MAX_DEPTH; a bilingual 400 otherwise."""
    from flask import current_app

    try:
        return current_app.json.loads(raw)
    except TooDeep:
        raise BilingualError(400, *TOO_DEEP) from None
    except (ValueError, TypeError):  # includes UnicodeDecodeError and JSONDecodeError
        raise BilingualError(400, *MALFORMED) from None


def request_json() -> Any:
    """The request body parsed as JSON (whatever its Content-Type; callers that require
    application/json check it first); a bilingual 400 when malformed or too deep."""
    return loads_checked(request.get_data(cache=True))
