"""Enhanced prediction (``ensemble=True``) for every single-image method, Set5 x3.

Timofte, Rothe & Van Gool (CVPR 2016), way 6: the mean of the method's
results on the 8 rotations and flips of the input. For each registered
single-image method with a model at x3 (shipped or user-built): the paper
protocol PSNR on Set5 (and Set14) with and without it, the gain, and the time
factor. Writes ``benchmarks/results/ensemble.json`` and a Markdown table
(``--methods`` reruns those methods and keeps the other rows of the file).

    python benchmarks/bench_ensemble.py [--datasets Set5 Set14] [--methods ...]
"""

import argparse
import json
import time
from pathlib import Path

from _common import write_json

import classicsr
from classicsr._dispatch import usable_methods
from classicsr.datasets import find_data_root
from classicsr.io import atomic_write_bytes

HERE = Path(__file__).resolve().parent
#: IA has enhanced prediction built in: compare it with the option off.
BUILT_IN = {"ia": "enhanced_prediction"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["Set5"])
    parser.add_argument("--methods", nargs="+", default=None)
    parser.add_argument("--json", default=str(HERE / "results" / "ensemble.json"))
    args = parser.parse_args()
    root = find_data_root()
    methods = args.methods or sorted(usable_methods(3))
    rows = []
    for method in methods:
        row = {"method": method}
        for label, ensemble in (("plain", False), ("ensemble", True)):
            if method in BUILT_IN:
                options = {BUILT_IN[method]: ensemble}
            else:
                options = {"ensemble": ensemble}
            start = time.perf_counter()
            result = classicsr.evaluate(method, args.datasets, [3], data_root=root,
                                        progress=False, **options)
            row[label] = {d: round(result.mean(d, 3), 4) for d in args.datasets}
            row[f"{label}_seconds"] = round(time.perf_counter() - start, 1)
        row["gain"] = {d: round(row["ensemble"][d] - row["plain"][d], 4) for d in args.datasets}
        rows.append(row)
        print(json.dumps(row), flush=True)
    path = Path(args.json)
    if args.methods and path.is_file():
        # a rerun of some methods keeps the other rows of the same datasets
        previous = json.loads(path.read_text())
        if previous.get("datasets") == args.datasets:
            rerun = {row["method"] for row in rows}
            rows = sorted([r for r in previous["rows"] if r["method"] not in rerun] + rows,
                          key=lambda r: r["method"])
    write_json(path, {"scale": 3, "datasets": args.datasets, "rows": rows})
    lines = ["| method | " + " | ".join(f"{d} plain | {d} ensemble | gain" for d in args.datasets)
             + " |", "|---|" + "---|---|---|" * len(args.datasets)]
    for row in rows:
        cells = [f"{row['plain'][d]:.2f} | {row['ensemble'][d]:.2f} | {row['gain'][d]:+.3f}"
                 for d in args.datasets]
        lines.append(f"| {row['method']} | " + " | ".join(cells) + " |")
    atomic_write_bytes(Path(args.json).with_suffix(".md"), ("\n".join(lines) + "\n").encode(),
                       overwrite=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
