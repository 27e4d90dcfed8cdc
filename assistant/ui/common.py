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


# ---- words with hover help ---------------------------------------------------------------------
def hover(label: str, term: str | None = None) -> str:
    """``label`` with the one-line meaning of ``term`` (default: the label) on hover, as an
    ``<abbr title>`` that gr.Markdown keeps; the label alone when the term has no help."""
    from html import escape

    from assistant.wording import term_help

    text = term_help(term or label)
    return f'<abbr title="{escape(text, quote=True)}">{escape(label, quote=False)}</abbr>' if text else label


def legend(*terms: str) -> str:
    """One line per term, "**term**: what it means", for beneath a table or chart."""
    from assistant.wording import term_help

    return "  \n".join(f"<small>**{t}**: {term_help(t)}</small>" for t in terms if term_help(t))


# ---- two-step confirmation of a destructive button ---------------------------------------------
class Confirmation:
    """A hidden row under a destructive button: the first click shows the question with a
    "Yes, ..." and a "Cancel" button, and only "Yes" runs the job.

    Build it where the row should appear (inside a ``gr.Blocks``), then :meth:`wire` the
    button to it. :meth:`ask`, :meth:`cancel` and :meth:`confirmed` are the plain handlers, so
    the two steps can be tested without a browser. Component ids, for ``prefix="data"`` and
    ``name="retrain"``: ``data-confirm-retrain-row`` (the row), ``data-confirm-retrain-prompt``
    (the question), ``data-confirm-retrain`` (yes) and ``data-cancel-retrain``.
    """

    def __init__(self, prefix: str, name: str, *, yes: str, cancel: str = "Cancel", build: bool = True) -> None:
        self.ids = {"row": f"{prefix}-confirm-{name}-row", "prompt": f"{prefix}-confirm-{name}-prompt",
                    "yes": f"{prefix}-confirm-{name}", "cancel": f"{prefix}-cancel-{name}"}
        self.row: Any = None
        self.prompt: Any = None
        self.yes: Any = None
        self.no: Any = None
        if build:
            import gradio as gr

            with gr.Row(visible=False, elem_id=self.ids["row"], elem_classes=["confirm-row"]) as self.row:
                self.prompt = gr.Markdown(elem_id=self.ids["prompt"])
                self.yes = gr.Button(yes, variant="stop", size="sm", elem_id=self.ids["yes"], scale=0, min_width=140)
                self.no = gr.Button(cancel, size="sm", elem_id=self.ids["cancel"], scale=0, min_width=100)

    @staticmethod
    def ask(question: str) -> tuple[Any, str]:
        """The first click: show the row with ``question``; nothing runs."""
        import gradio as gr

        return gr.Row(visible=True), question

    @staticmethod
    def cancel() -> Any:
        import gradio as gr

        return gr.Row(visible=False)

    @staticmethod
    def confirmed(job: Callable[..., Any], n_outputs: int = 1, working: str = "Working…") -> Callable[..., Any]:
        """The "Yes" handler: hide the row and show ``working`` at once, then run ``job`` (its
        result fills the ``n_outputs`` outputs after the row). It keeps ``job``'s signature, so
        a ``gr.Progress`` parameter of the job still gets its progress bar."""
        import gradio as gr

        @functools.wraps(job)
        def run(*args: Any, **kwargs: Any) -> Any:
            rest = tuple(gr.skip() for _ in range(n_outputs - 1))
            yield (gr.Row(visible=False), working, *rest)
            try:
                result = job(*args, **kwargs)
            except Exception:
                yield (gr.skip(), "", *rest)  # the error's message box says what went wrong
                raise
            yield (gr.skip(), *(result if n_outputs > 1 else (result,)))

        return run

    def wire(self, button: Any, job: Callable[..., Any], *, question: str | Callable[..., str],
             inputs: Any = None, outputs: Any, working: str = "Working…") -> Any:
        """Wire ``button`` (ask), Cancel (hide) and Yes (run ``job`` with ``inputs`` into
        ``outputs``); ``question`` may be a function of the inputs (a library error it raises
        is shown as a message and nothing is asked). Returns Yes's event, for ``.then``."""
        listed = [] if inputs is None else list(inputs) if isinstance(inputs, list | tuple) else [inputs]
        shown = list(outputs) if isinstance(outputs, list | tuple) else [outputs]

        @readable
        def ask(*args: Any) -> tuple[Any, str]:
            return self.ask(question(*args) if callable(question) else question)

        button.click(ask, listed or None, [self.row, self.prompt])
        self.no.click(self.cancel, None, self.row)
        return self.yes.click(readable(self.confirmed(job, len(shown), working)), listed or None, [self.row, *shown])
