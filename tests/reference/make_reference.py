"""Regenerate the vendored imresize oracle subset in ``tests/reference/``.

Command (from the repository root, with ``../shared`` beside it)::

    python tests/reference/make_reference.py [--shared ../shared]

It reads ``<shared>/reference/imresize_cases.{json,npz}`` (the 341-case
MATLAB-semantics ``imresize`` oracle, see ``<shared>/reference/README.md``)
and writes a subset small enough to live in the repository:

- ``imresize_oracle.npz``: the selected inputs (each stored once) and MATLAB
  outputs, under the oracle's own array names (``in_NNN`` / ``out_NNN``),
  ``np.savez_compressed``, no pickled objects;
- ``imresize_oracle.json``: the selected case entries of the oracle
  (``id``, ``input``, ``output``, ``scale``, ``method``, ``antialias``,
  ``in_shape``, ``out_shape``, ``dtype``), verbatim except that ``input``
  names the first stored copy of an input the oracle repeats.

The inputs are random arrays of unknown seed, so they are stored, not
regenerated. The subset keeps every case of the two smallest inputs
(5x9 and 1x12: every kernel, every scale, every dtype), every case of the
23x31 input up to x2, and a few cases of the 64x17x3 colour input (bicubic at
x1/4, x1/2, x1.25, x1.5 in all three dtypes; the other kernels at x1/2 and,
uint8 only, x2). ``tests/test_vendored_exactness.py`` checks
:func:`classicsr.imresize` against it without ``../shared``. Only these
numbers come from ``../shared``: no image of the standard datasets.
"""

import argparse
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

SMALL_INPUTS = {(5, 9), (1, 12)}
COLOUR_BICUBIC_SCALES = {0.25, 0.5, 1.25, 1.5}


def selected(case):
    """Whether an oracle case goes into the vendored subset."""
    shape, method, scale = tuple(case["in_shape"]), case["method"], case["scale"]
    if shape in SMALL_INPUTS:
        return True
    if shape == (23, 31):
        return scale <= 2
    if shape == (64, 17, 3):
        if method == "bicubic":
            return scale in COLOUR_BICUBIC_SCALES
        return scale == 0.5 or (scale == 2 and case["dtype"] == "uint8")
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared",
                        help="the shared reference folder (default: ../shared)")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="where to write the vendored files (default: tests/reference)")
    args = parser.parse_args(argv)
    source = args.shared / "reference"
    cases = json.loads((source / "imresize_cases.json").read_text())
    with np.load(source / "imresize_cases.npz", allow_pickle=False) as arrays:
        subset = [dict(case) for case in cases if selected(case)]
        stored, canonical = {}, {}
        for case in subset:
            src = arrays[case["input"]]
            # the oracle repeats each input under many names: keep the first
            fingerprint = (src.dtype.str, src.shape, src.tobytes())
            case["input"] = canonical.setdefault(fingerprint, case["input"])
            stored[case["input"]] = src
            stored[case["output"]] = arrays[case["output"]]
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "imresize_oracle.npz", **stored)
    lines = ",\n".join(json.dumps(case, sort_keys=True) for case in subset)
    (args.out / "imresize_oracle.json").write_text("[\n" + lines + "\n]\n")
    print(f"wrote {len(subset)} of {len(cases)} cases ({len(stored)} arrays) to {args.out}")


if __name__ == "__main__":
    main()
