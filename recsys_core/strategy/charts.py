"""Trend charts: a static PNG (matplotlib, Agg) and an interactive HTML page (plotly)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

Window = tuple[pd.Timestamp, pd.Timestamp, str]  # start, end, label


def _check_frame(series: pd.DataFrame) -> None:
    from recsys_core.strategy.errors import StrategyError

    if series.empty or series.shape[1] == 0:
        raise StrategyError("nothing to chart: the series table is empty; pick keys that have events")


def save_png(series: pd.DataFrame, path: str | Path, *, title: str, ylabel: str,
             windows: Sequence[Window] = ()) -> Path:
    """Line chart of every column of ``series`` (index = dates), shaded ``windows``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _check_frame(series)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    index = pd.DatetimeIndex(series.index).tz_localize(None) if getattr(series.index, "tz", None) else series.index
    for col in series.columns:
        ax.plot(index, series[col].to_numpy(), label=str(col), linewidth=1.4)
    for start, end, label in windows:
        s, e = (pd.Timestamp(x).tz_localize(None) if pd.Timestamp(x).tz else pd.Timestamp(x) for x in (start, end))
        ax.axvspan(s, e + pd.Timedelta(days=1), alpha=0.15, color="tab:orange", label=label)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def save_html(series: pd.DataFrame, path: str | Path, *, title: str, ylabel: str,
              windows: Sequence[Window] = ()) -> Path:
    """The same chart as a self-contained interactive plotly page (works offline)."""
    import plotly.graph_objects as go

    _check_frame(series)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = go.Figure()
    for col in series.columns:
        fig.add_trace(go.Scatter(x=series.index, y=series[col], mode="lines", name=str(col)))
    for start, end, label in windows:
        fig.add_vrect(x0=start, x1=pd.Timestamp(end) + pd.Timedelta(days=1), fillcolor="orange",
                      opacity=0.15, line_width=0, annotation_text=label)
    fig.update_layout(title=title, yaxis_title=ylabel, template="plotly_white", hovermode="x unified")
    fig.write_html(out, include_plotlyjs=True, full_html=True)
    return out
