"""What a sensitivity study leaves: its results folder, the tornado figure and the ranking table.

The folder (written whole or not at all, :func:`~sim.experiment.store.write_atomically`) holds ``sensitivity.csv``
(per output and input: ``S1``, ``ST`` and their 95 % bootstrap intervals), ``design.csv`` (every point's inputs and
outputs), ``manifest.json`` and ``figures/tornado.png``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.experiment.catalogue import lookup
from sim.experiment.sensitivity import Sensitivity, design_csv, manifest_json, sensitivity_csv
from sim.experiment.store import write_atomically
from sim.output.plots import FIGURES_DIR, PALETTE, new_figure, save_figure
from sim.output.tables import grid

TORNADO = "tornado.png"
"""The tornado figure's file name in ``figures/``."""

SHARE_LIMITS = (-0.1, 1.1)
"""The x range of the tornado panels (shares of variance)."""


def save_sensitivity(result: Sensitivity, folder: Path) -> Path:
    """Write the study's results folder atomically (see the module docstring); returns ``folder``.

    Raises
    ------
    FileExistsError
        When ``folder`` exists (nothing is written).
    """

    def fill(target: Path) -> None:
        (target / "sensitivity.csv").write_text(sensitivity_csv(result), encoding="utf-8")
        (target / "design.csv").write_text(design_csv(result), encoding="utf-8")
        (target / "manifest.json").write_text(manifest_json(result), encoding="utf-8")
        (target / FIGURES_DIR).mkdir()
        save_figure(tornado(result), target / FIGURES_DIR / TORNADO, "png")

    return write_atomically(folder, fill)


def tornado(result: Sensitivity) -> Figure:
    """One panel per output: a horizontal bar of ``ST`` per input with its 95 % interval, ``S1`` as a mark.

    Inputs are sorted by ``ST``, the largest at the top; an index that is undefined (the output did not vary) is
    drawn as an empty row. The x axis is the share of the output's variance, shown from -0.1 to 1.1 (an index lies
    in 0..1; an interval of a small design may reach beyond, and is cut at the frame).
    """
    outputs = result.study.outputs
    rows = len(result.study.inputs)
    figure, axes = new_figure(1, len(outputs), width=5.0 * len(outputs), height=1.8 + 0.45 * rows)
    panels = [axes] if len(outputs) == 1 else list(axes)
    for ax, name in zip(panels, outputs, strict=True):
        _panel(ax, result, name)
    figure.legend(
        handles=[
            Patch(color=PALETTE[0], alpha=0.8, label="total ST"),
            Line2D([], [], color="black", marker="D", linestyle="none", markersize=4, label="first order S1"),
            Line2D([], [], color="black", linewidth=1, label="95 % interval"),
        ],
        loc="outside lower center",
        ncols=3,
    )
    study = result.study
    figure.suptitle(
        f"{study.base.name}: Sobol' indices ({study.design.samples} base samples, {len(study.scenarios)} points x "
        f"{study.replications} replications)",
        fontsize=10,
    )
    return figure


def _panel(ax: Axes, result: Sensitivity, name: str) -> None:
    """One output's bars."""
    found = result.indices[name]
    order = result.ranking(name)[::-1]  # barh draws the first row at the bottom
    keys = [result.study.inputs[i].key for i in order]
    y = np.arange(len(order), dtype=float)
    total = np.nan_to_num(found.total[order])
    first = found.first[order]
    ax.barh(y, total, height=0.6, color=PALETTE[0], alpha=0.8)
    ax.errorbar(
        total, y, xerr=_whiskers(found.total[order], found.total_low[order], found.total_high[order]),
        fmt="none", ecolor="black", elinewidth=1, capsize=3,
    )  # fmt: skip
    ax.errorbar(
        first, y - 0.18, xerr=_whiskers(first, found.first_low[order], found.first_high[order]),
        fmt="D", color="black", markersize=4, elinewidth=0.8, capsize=2,
    )  # fmt: skip
    ax.set_yticks(y, keys)
    ax.set_xlim(*SHARE_LIMITS)
    ax.axvline(0.0, color="grey", linewidth=0.6)
    metric = lookup(name)
    ax.set_title(metric.label)
    ax.set_xlabel("share of variance")


def _whiskers(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Distances from the value down to ``low`` and up to ``high`` (0 where undefined), shape (2, n)."""
    below = np.nan_to_num(value - low).clip(min=0.0)
    above = np.nan_to_num(high - value).clip(min=0.0)
    return np.vstack([below, above])


def ranking_table(result: Sensitivity) -> str:
    """Per output, the inputs by decreasing ``ST``: ``ST`` and ``S1`` with their 95 % intervals."""
    header = ["output", "rank", "input", "ST", "ST 95 % CI", "S1", "S1 95 % CI"]
    rows = []
    for name in result.study.outputs:
        found = result.indices[name]
        for rank, i in enumerate(result.ranking(name), start=1):
            rows.append([
                name if rank == 1 else "", str(rank), result.study.inputs[i].key,
                _share(found.total[i]), _interval(found.total_low[i], found.total_high[i]),
                _share(found.first[i]), _interval(found.first_low[i], found.first_high[i]),
            ])  # fmt: skip
    return grid(header, rows)


def undefined_outputs(result: Sensitivity) -> list[str]:
    """Lines naming the outputs without indices: constant over the design, or without a value at some point."""
    lines = []
    for k, name in enumerate(result.study.outputs):
        values = result.outputs[:, k]
        if not np.all(np.isfinite(values)):
            missing = int(np.sum(~np.isfinite(values)))
            lines.append(f"note: {name} has no value at {missing} point(s): no indices")
        elif result.indices[name].variance == 0:
            lines.append(f"note: {name} is the same at every point: no indices")
    return lines


def _share(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:.3f}" if abs(x) >= 0.0005 else "0.000"  # never "-0.000"


def _interval(low: float, high: float) -> str:
    return f"[{low:.3f}, {high:.3f}]" if math.isfinite(low) and math.isfinite(high) else "-"
