"""Build ``migration_od.csv``, an estimated 2020 origin -> destination table of inter-provincial migrants.

This is a maintainer script: it is run by hand to regenerate the CSV. It reads the shared census extract and
capital coordinates (``../shared/data/provinces_2020.csv`` and ``capitals.csv`` beside the repository, or
``--data-dir``) and uses :mod:`sim.world.gravity` (numpy only).

The table is an **estimate [E]**, not census yearbook table 7-3 (not available offline):

1. out-migrant totals per hukou province from the propensity model ``O_i = a P_i exp(-b in_i / P_i)``, fitted to
   Henan (16.10 M [S]) and Anhui (11.52 M [M]) in log terms with ``sum O = sum in``; those two are then pinned and
   the other 29 rescaled (:func:`sim.world.gravity.estimate_out_totals`);
2. a power-law seed ``d^-beta`` on great-circle distances between provincial capitals, zero diagonal;
3. ``beta`` fitted so that Anhui's share of Shanghai's out-of-province residents comes as close as it can to the
   23 % reported [M] (:func:`sim.world.gravity.fit_beta_to_share`);
4. iterative proportional fitting to the out totals (rows) and the census in-migrant totals (columns);
5. largest-remainder rounding to whole persons within each destination, so every destination total equals the
   census ``interprov_in_2020`` exactly.

Output: ``migration_od.csv`` next to this script, 31 x 30 = 930 rows ``origin,destination,migrants,method``
(English province names; origins and destinations in census code order; no diagonal). Method and check figures:
``SOURCES.md``. Run it as ``python scenarios/data/build_migration.py`` from the repository root.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sim.world.gravity import distance_matrix_km, estimate_out_totals, fit_beta_to_share, gravity_od

HERE = Path(__file__).resolve().parent
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
OUT_CSV = HERE / "migration_od.csv"
COLUMNS = ["origin", "destination", "migrants", "method"]

NAMES = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    "54": "Tibet",
    "61": "Shaanxi",
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
}
"""English province names by census code (the names the project uses)."""

KNOWN_OUT = {"Henan": 16_100_000.0, "Anhui": 11_520_000.0}
"""Known out-migrant totals (persons): Henan [S], Anhui [M] (``provinces_2020.csv``)."""

CORRIDOR = ("Anhui", "Shanghai", 0.23)
"""Anhui people are about 23 % of Shanghai's out-of-province residents [M]: the corridor ``beta`` is fitted to."""

BETA_BOUNDS = (0.5, 3.0)
"""Search interval for the distance elasticity (the literature range for China is about 1-2)."""


@dataclass(frozen=True)
class Inputs:
    """Census margins and capital coordinates in census code order."""

    names: list[str]
    population: npt.NDArray[np.float64]
    in_totals: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]


@dataclass(frozen=True)
class Estimate:
    """The built table and the parameters behind it."""

    inputs: Inputs
    a: float
    b: float
    rescale: float
    beta: float
    out_totals: npt.NDArray[np.float64]
    flows: npt.NDArray[np.float64]
    rounded: npt.NDArray[np.int64]

    @property
    def method(self) -> str:
        """The text of the ``method`` column."""
        return (
            f"estimate [E]: doubly-constrained gravity model, seed d^-beta (capital distances), "
            f"beta={self.beta:.2f}, IPF; out totals a*P*exp(-b*in/P), a={self.a:.4f}, b={self.b:.2f}, "
            f"Henan/Anhui pinned; see SOURCES.md"
        )


def _read(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise SystemExit(
            f"error: {path} not found. The script reads the shared census extract ../shared/data/ beside the "
            f"repository; pass --data-dir DIR with provinces_2020.csv and capitals.csv."
        )
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_inputs(data_dir: Path) -> Inputs:
    """Read ``provinces_2020.csv`` and ``capitals.csv`` from ``data_dir`` (census code order)."""
    provinces = _read(data_dir / "provinces_2020.csv")
    capitals = {row["prov_code"]: row for row in _read(data_dir / "capitals.csv")}
    codes = [row["prov_code"] for row in provinces]
    if sorted(codes) != sorted(NAMES) or sorted(capitals) != sorted(NAMES):
        raise SystemExit(f"error: expected the 31 province codes {sorted(NAMES)} in both files, got {codes}")
    return Inputs(
        names=[NAMES[code] for code in codes],
        population=np.array([float(row["pop_2020"]) for row in provinces]),
        in_totals=np.array([int(row["interprov_in_2020"]) for row in provinces], dtype=np.int64),
        lon=np.array([float(capitals[code]["lon_deg"]) for code in codes]),
        lat=np.array([float(capitals[code]["lat_deg"]) for code in codes]),
    )


def round_columns(flows: npt.NDArray[np.float64], totals: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Largest-remainder rounding of each column to whole persons that sum exactly to ``totals``.

    Ties in the remainder go to the lower row index (stable sort), so the result is reproducible.
    """
    floors = np.floor(flows)
    rounded = floors.astype(np.int64)
    for j in range(flows.shape[1]):
        short = int(totals[j] - rounded[:, j].sum())
        if short < 0 or short > flows.shape[0]:
            raise ValueError(f"column {j}: cannot round to {totals[j]} (floor sum {rounded[:, j].sum()})")
        order = np.argsort(-(flows[:, j] - floors[:, j]), kind="stable")
        rounded[order[:short], j] += 1
    return rounded


def build(data_dir: Path) -> Estimate:
    """Fit the model to the shared data and return the table (floats and rounded)."""
    inputs = read_inputs(data_dir)
    index = {name: k for k, name in enumerate(inputs.names)}
    in_totals = inputs.in_totals.astype(float)
    out = estimate_out_totals(inputs.population, in_totals, {index[n]: v for n, v in KNOWN_OUT.items()})
    distance = distance_matrix_km(inputs.lon, inputs.lat)
    origin, destination, share = CORRIDOR
    beta = fit_beta_to_share(
        out.totals,
        in_totals,
        distance,
        origin=index[origin],
        destination=index[destination],
        share=share,
        bounds=BETA_BOUNDS,
    )
    beta = round(beta, 2)
    flows = gravity_od(out.totals, in_totals, distance, beta=beta)
    rounded = round_columns(flows, inputs.in_totals)
    if np.any(np.diag(rounded) != 0):
        raise ValueError("rounding put migrants on the diagonal")
    return Estimate(inputs, out.a, out.b, out.rescale, beta, out.totals, flows, rounded)


def rows(estimate: Estimate) -> list[dict[str, str]]:
    """The CSV rows: every origin x destination pair with origin != destination, in census code order."""
    names = estimate.inputs.names
    method = estimate.method
    return [
        {"origin": o, "destination": d, "migrants": str(int(estimate.rounded[i, j])), "method": method}
        for i, o in enumerate(names)
        for j, d in enumerate(names)
        if i != j
    ]


def _report(estimate: Estimate) -> None:
    names, r = estimate.inputs.names, estimate.rounded
    index = {name: k for k, name in enumerate(names)}
    total = int(r.sum())
    out = r.sum(axis=1)
    print(f"a = {estimate.a:.6f}, b = {estimate.b:.4f}, rescale of the 29 others = {estimate.rescale:.6f}")
    print(f"beta = {estimate.beta:.2f}; total migrants {total:,}")
    share = r[index["Anhui"], index["Shanghai"]] / r[:, index["Shanghai"]].sum()
    print(f"Anhui share of Shanghai's in-migrants: {share:.1%} (reported about 23 % [M])")
    print("origins by out-migrants (M, share of total):")
    for k in np.argsort(-out, kind="stable"):
        print(f"  {names[k]:15s} {out[k] / 1e6:6.2f}  {out[k] / total:5.1%}")
    print("top corridors (M):")
    flat = np.argsort(-r, axis=None, kind="stable")[:10]
    for i, j in zip(*np.unravel_index(flat, r.shape), strict=True):
        print(f"  {names[i]:>12s} -> {names[j]:12s} {r[i, j] / 1e6:5.2f}")


def main(argv: list[str] | None = None) -> None:
    """Build the table and write ``migration_od.csv``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=SHARED_DATA, help="folder with the shared census CSVs")
    parser.add_argument("--out", type=Path, default=OUT_CSV, help="where to write the table")
    args = parser.parse_args(argv)
    estimate = build(args.data_dir)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(estimate))
    print(f"wrote {args.out} ({len(rows(estimate))} rows)")
    _report(estimate)


if __name__ == "__main__":
    main()
