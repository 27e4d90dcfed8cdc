"""Plotly figures for the tabs (gr.Plot re-draws them reliably on every update)."""

from __future__ import annotations

from typing import Any

import pandas as pd

LAYOUT = {"margin": {"l": 50, "r": 20, "t": 30, "b": 90}, "height": 380, "template": "plotly_white"}


def stacked_bars(frame: pd.DataFrame, *, x: str, y: str, colour: str, colours: dict[str, str] | None = None,
                 title: str = "", y_title: str = "") -> Any:
    """One bar per ``x``, split into ``colour`` segments (negative parts stack below zero);
    ``y_title`` names the axis in words (default: the column name)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    order = list(dict.fromkeys(frame[x].tolist())) if len(frame) else []
    for name, part in frame.groupby(colour, sort=False) if len(frame) else []:
        fig.add_trace(go.Bar(x=part[x], y=part[y], name=str(name),
                             marker_color=(colours or {}).get(str(name))))
    fig.update_layout(barmode="relative", title=title, xaxis={"categoryorder": "array", "categoryarray": order,
                                                              "tickangle": -40}, yaxis_title=y_title or y, **LAYOUT)
    return fig


def bars(frame: pd.DataFrame, *, x: str, y: str, title: str = "", colour: str | None = None) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    groups = frame.groupby(colour, sort=False) if colour and len(frame) else [("", frame)]
    for name, part in groups:
        fig.add_trace(go.Bar(x=part[x], y=part[y], name=str(name) or y))
    fig.update_layout(title=title, xaxis={"tickangle": -40}, yaxis_title=y, showlegend=bool(colour), **LAYOUT)
    return fig


def line(frame: pd.DataFrame, *, x: str, y: str, title: str = "") -> Any:
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=frame[x] if len(frame) else [], y=frame[y] if len(frame) else [], mode="lines+markers"))
    fig.update_layout(title=title, yaxis_title=y, **LAYOUT)
    return fig


def intervals(frame: pd.DataFrame, *, x: str, y: str, low: str, high: str, colour: str,
              colours: dict[str, str] | None = None, title: str = "", y_title: str = "") -> Any:
    """One point per row at ``y`` (its value written beside it) with an error bar from ``low`` to
    ``high``, a trace per ``colour`` value (so the legend says what each bar is), and a zero line."""
    import plotly.graph_objects as go

    fig = go.Figure()
    order = list(dict.fromkeys(frame[x].tolist())) if len(frame) else []
    for name, part in frame.groupby(colour, sort=False) if len(frame) else []:
        fig.add_trace(go.Scatter(
            x=part[x], y=part[y], name=str(name), mode="markers+text",
            text=[f"{v:+.2f}" for v in part[y]], textposition="middle right",
            marker={"size": 12, "color": (colours or {}).get(str(name))},
            error_y={"type": "data", "symmetric": False, "array": part[high] - part[y],
                     "arrayminus": part[y] - part[low], "thickness": 2, "width": 8},
        ))
    fig.add_hline(y=0, line_width=1, line_color="#888")
    fig.update_layout(title=title, xaxis={"categoryorder": "array", "categoryarray": order},
                      yaxis_title=y_title or y, **LAYOUT)
    return fig
