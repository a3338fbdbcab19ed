"""A custom figure from a results folder: daily applicants served per office, and the ECDF of waits by visit kind.

Usage::

    python docs/examples/custom_figure.py RESULTS_FOLDER [--out custom_figure.png]

Left panel: applicants served per day at each office (first intakes finished that day, ``daily.csv``), the mean
across replications with its 95 % Student-t confidence band, over the days the office was open up to the last day
with arrivals. Right panel: the empirical CDF of the minutes each visit waited in the queue (``records.npz``), one
curve per visit kind, all replications pooled. Needs only numpy, scipy and matplotlib (no pandas); see
docs/analysis.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # write files, no window

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from sim import load_results
from sim.results import RunResults, Table


def served_band(daily: Table, office: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per open day of ``office``: the dates, the mean applicants served across replications and the CI half-width.

    Parameters
    ----------
    daily
        The run's ``daily`` table.
    office
        Office name.

    Returns
    -------
    dates : numpy.ndarray
        datetime64[D], the office's open days up to the last day with arrivals.
    mean, half_width : numpy.ndarray
        Applicants served per day: mean across replications and 95 % Student-t CI half-width (0 with one
        replication).
    """
    rows = daily.where((daily["office"] == office) & (daily["open_minutes"] > 0))
    last = rows["date"][rows["arrivals"] > 0].max()
    rows = rows.where(rows["date"] <= last)
    dates, replications = np.unique(rows["date"]), np.unique(rows["replication"])
    served = np.zeros((replications.size, dates.size))
    served[np.searchsorted(replications, rows["replication"]), np.searchsorted(dates, rows["date"])] = rows["served"]
    n = replications.size
    mean = served.mean(axis=0)
    if n < 2:
        return dates, mean, np.zeros_like(mean)
    half_width = stats.t.ppf(0.975, n - 1) * served.std(axis=0, ddof=1) / np.sqrt(n)
    return dates, mean, half_width


def draw(results: RunResults, out: Path) -> None:
    """Draw both panels of ``results`` into the PNG file ``out`` and print what they show."""
    daily, visits = results.daily, results.visits
    offices = list(dict.fromkeys(daily["office"].tolist()))
    print(  # noqa: T201
        f"{results.name}: {results.replications} replications from {results.start}, "
        f"{len(offices)} office(s), {len(visits)} visits"
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")

    print("applicants served per open day, mean across replications [95 % CI band of the daily means]:")  # noqa: T201
    for office in offices:
        dates, mean, half = served_band(daily, office)
        (line,) = left.plot(dates, mean, marker="o", markersize=3, label=office)
        left.fill_between(dates, mean - half, mean + half, color=line.get_color(), alpha=0.25, linewidth=0)
        print(  # noqa: T201
            f"  {office}: {mean.mean():.1f}/day over {dates.size} open days "
            f"({dates[0]} to {dates[-1]}), mean half-width {half.mean():.1f}"
        )
    left.set(title="Applicants served per day (mean, 95 % CI)", ylabel="applicants / day")
    left.legend(fontsize="small")
    left.tick_params(axis="x", labelrotation=45)

    print(f"  {'kind':<13}{'visits':>8}{'mean':>8}{'p50':>8}{'p90':>8}{'max':>8}  (wait, minutes)")  # noqa: T201
    for kind in dict.fromkeys(visits["kind"].tolist()):
        waits = np.sort(visits["wait"][visits["kind"] == kind])
        ecdf = np.arange(1, waits.size + 1) / waits.size
        right.step(waits, ecdf, where="post", label=f"{kind} ({waits.size})")
        p50, p90 = np.quantile(waits, [0.5, 0.9])
        print(  # noqa: T201
            f"  {kind:<13}{waits.size:>8}{waits.mean():>8.1f}{p50:>8.1f}{p90:>8.1f}{waits.max():>8.1f}"
        )
    right.set(title="Waits by visit kind (ECDF, all replications)", xlabel="minutes in the queue", ylabel="share")
    right.legend(fontsize="small", loc="lower right")

    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"wrote {out}")  # noqa: T201


def main() -> None:
    """Parse the command line and draw the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a run's results folder (rollout-sim run ... --out FOLDER)")
    parser.add_argument("--out", type=Path, default=Path("custom_figure.png"), help="PNG file to write")
    args = parser.parse_args()
    results = load_results(args.folder)
    if not isinstance(results, RunResults):
        parser.error(f"{args.folder} is a {results.kind} folder: give a run's results folder (or one sweep point)")
    draw(results, args.out)


if __name__ == "__main__":
    main()
