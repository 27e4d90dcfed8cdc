"""Helpers shared by the UI tabs: library errors as readable messages, small table builders."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
from pydantic import ValidationError

from recsys_core.errors import ShelfwiseError

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("shelfwise.ui")


def readable(fn: F) -> F:
    """Run a UI handler; a library error becomes a readable message box, never a traceback."""
    import gradio as gr

    def convert(exc: Exception) -> Exception:
        if isinstance(exc, gr.Error):
            return exc
        if isinstance(exc, ShelfwiseError):
            return gr.Error(str(exc), title="Shelfwise")
        if isinstance(exc, ValidationError):  # an engine's settings model rejected a value
            first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid value"}
            where = ".".join(str(p) for p in first.get("loc", ())) or exc.title
            return gr.Error(f"{where}: {first['msg']}", title="Shelfwise")
        log.exception("internal error in %s", getattr(fn, "__name__", "handler"))
        return gr.Error(f"internal error ({type(exc).__name__}); the server log has the details",
                        title="Shelfwise")

    if _is_generator(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every error is shown as a message
                raise convert(exc) from None

        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every error is shown as a message
            raise convert(exc) from None

    return wrapper  # type: ignore[return-value]


def _is_generator(fn: Callable[..., Any]) -> bool:
    import inspect

    return inspect.isgeneratorfunction(fn)


def records(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A frame with exactly ``columns`` (missing keys empty), for gr.Dataframe."""
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)


def fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return "" if x is None else str(x)
