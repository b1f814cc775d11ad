#!/usr/bin/env python
"""Benchmark ``classicsr.sparse.batch_omp`` against scikit-learn, and time K-SVD.

Run from the repository root::

    python benchmarks/bench_omp.py              # full run
    python benchmarks/bench_omp.py --quick      # smoke run (10,000 signals, 3 K-SVD iterations)
    python benchmarks/bench_omp.py --json /tmp/omp.json

What is measured
----------------
* Batch-OMP on ``--signals`` (100,000) Gaussian signals of dimension
  ``--features`` (30, as Zeyde et al.'s PCA-reduced features) over a random
  unit-norm dictionary of ``--atoms`` (1024) atoms, sparsity ``--sparsity``
  (3). Steady-state time per call: one warm-up call, then ``--repeats``
  timed calls (:func:`time.perf_counter`); the median and the minimum are
  reported.
* Peer: ``sklearn.linear_model.orthogonal_mp_gram``, timed alone (given
  ``G = D^T D`` and ``Xy = D^T X``), and with the time to compute ``G`` and
  ``Xy`` (timed apart, ``--repeats`` times) added, which makes its inputs
  those of ``batch_omp`` (``X`` and ``D``). It codes the signals one at a
  time, so it is timed ``--sklearn-repeats`` times only.
* ``ratio`` = peer time / ``batch_omp`` (dense output) time: above 1 means
  classicsr is faster. ``max |diff|`` is the largest absolute difference
  between the dense coefficients of ``batch_omp`` and scikit-learn (it must
  be <= 1e-8).
* JIT: the Numba kernels compile on first use and are cached on disk. The
  compile time is measured in a fresh subprocess with ``NUMBA_CACHE_DIR``
  pointed at an empty directory (first call on a tiny problem minus the
  second call), then in another fresh subprocess on the now-populated cache.
* K-SVD: one ``KSVD.fit`` of ``--ksvd-iter`` iterations on ``--signals``
  signals that are 3-sparse over a random dictionary of ``--atoms`` atoms,
  plus noise; seconds per iteration = fit time / iterations.
* The machine's load average is recorded: other processes sharing the
  cores inflate every timing.
"""

import argparse
import os
import platform
import sys
import textwrap
import time

from _common import ROOT, jit_times, timed, write_json

import numpy as np  # noqa: E402

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "omp.json"
MAX_DIFF = 1e-8

JIT_PROBE = textwrap.dedent("""
    import json, time
    import numpy as np
    from classicsr.sparse import KSVD, batch_omp
    rng = np.random.default_rng(0)
    D = rng.standard_normal((8, 16))
    D /= np.linalg.norm(D, axis=0)
    X = rng.standard_normal((8, 40))
    times = {}
    for name, call in [
        ("batch_omp", lambda: batch_omp(X, D, 3)),
        ("ksvd", lambda: KSVD(16, 2, 1, random_state=0).fit(X.T)),
    ]:
        t = time.perf_counter(); call(); first = time.perf_counter() - t
        t = time.perf_counter(); call(); second = time.perf_counter() - t
        times[name] = {"first_s": first, "second_s": second}
    print(json.dumps(times))
""")






def problem(n_features, n_atoms, n_signals, seed=0):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((n_features, n_atoms))
    D /= np.linalg.norm(D, axis=0)
    X = rng.standard_normal((n_features, n_signals))
    return D, X


def ksvd_training_set(n_features, n_atoms, n_signals, k, seed=1):
    """Rows that are k-sparse over a random dictionary, plus 1 % noise."""
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((n_atoms, n_features))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    support = np.argsort(rng.random((n_signals, n_atoms)), axis=1)[:, :k]
    coefs = rng.standard_normal((n_signals, k))
    X = np.einsum("sk,skf->sf", coefs, D[support])
    return X + 0.01 * rng.standard_normal(X.shape)




def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--atoms", type=int, default=1024)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--sparsity", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sklearn-repeats", type=int, default=3)
    parser.add_argument("--ksvd-iter", type=int, default=20)
    parser.add_argument("--quick", action="store_true",
                        help="10,000 signals, 3 repeats, 3 K-SVD iterations")
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    args = parser.parse_args(argv)
    if args.quick:
        args.signals, args.repeats, args.sklearn_repeats, args.ksvd_iter = 10_000, 3, 1, 3

    import numba
    import sklearn
    from sklearn.linear_model import orthogonal_mp_gram

    from classicsr.sparse import KSVD, batch_omp

    n, K, L, k = args.features, args.atoms, args.signals, args.sparsity
    print(f"Batch-OMP: {L} signals, {n} features, {K} atoms, sparsity {k}; "
          f"{os.cpu_count()} CPUs, {numba.get_num_threads()} Numba threads, "
          f"load average {os.getloadavg()[0]:.2f}")
    jit = jit_times(JIT_PROBE)
    D, X = problem(n, K, L)

    rows = {}
    rows["batch_omp"], ours = timed(lambda: batch_omp(X, D, k), args.repeats)
    rows["batch_omp_sparse"], _ = timed(lambda: batch_omp(X, D, k, sparse=True),
                                        args.repeats)
    inputs, (G, Xy) = timed(lambda: (D.T @ D, D.T @ X), args.repeats)
    rows["sklearn_omp_gram"], theirs = timed(
        lambda: orthogonal_mp_gram(G, Xy, n_nonzero_coefs=k),
        args.sklearn_repeats, warmup=False)
    del Xy
    rows["sklearn_with_inputs"] = {
        "median_s": rows["sklearn_omp_gram"]["median_s"] + inputs["median_s"],
        "min_s": rows["sklearn_omp_gram"]["min_s"] + inputs["min_s"],
        "runs": args.sklearn_repeats, "inputs_median_s": inputs["median_s"]}
    max_diff = float(np.abs(ours - theirs).max())
    del ours, theirs
    base = rows["batch_omp"]["median_s"]
    for row in rows.values():
        row["ratio"] = row["median_s"] / base

    X_train = ksvd_training_set(n, K, L, k)
    est = KSVD(n_atoms=K, n_nonzero_coefs=k, n_iter=args.ksvd_iter, random_state=0)
    t = time.perf_counter()
    est.fit(X_train)
    fit_s = time.perf_counter() - t
    ksvd = {"n_atoms": K, "n_signals": L, "n_features": n, "sparsity": k,
            "n_iter": args.ksvd_iter, "fit_s": fit_s,
            "s_per_iter": fit_s / args.ksvd_iter,
            "rmse_first": float(est.error_[0]), "rmse_last": float(est.error_[-1])}

    labels = {
        "batch_omp": "classicsr batch_omp (dense)",
        "batch_omp_sparse": "classicsr batch_omp (sparse=True)",
        "sklearn_omp_gram": "sklearn orthogonal_mp_gram",
        "sklearn_with_inputs": "sklearn incl. G = D'D, Xy = D'X",
    }
    print(f"\n{'':36s} {'median s':>9s} {'min s':>9s} {'runs':>5s} {'ratio':>7s}")
    for key, row in rows.items():
        print(f"{labels[key]:36s} {row['median_s']:9.3f} {row['min_s']:9.3f} "
              f"{row['runs']:5d} {row['ratio']:7.1f}")
    ok = max_diff <= MAX_DIFF
    print(f"\nmax |batch_omp - sklearn| = {max_diff:.2e} "
          f"({'<=' if ok else 'EXCEEDS'} {MAX_DIFF:g})")
    for label, probe in jit.items():
        print(f"JIT, {label:10s}: " + ", ".join(
            f"{name} first call {t['first_s']:.2f} s (then {t['second_s'] * 1e3:.1f} ms)"
            for name, t in probe.items()))
    print(f"K-SVD fit: {K} atoms, {L} signals of dim {n}, sparsity {k}, "
          f"{args.ksvd_iter} iterations: {fit_s:.2f} s = {ksvd['s_per_iter']:.3f} s/iteration "
          f"(RMSE {ksvd['rmse_first']:.4f} -> {ksvd['rmse_last']:.4f})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    payload = {
        "problem": {"n_signals": L, "n_features": n, "n_atoms": K, "sparsity": k},
        "timings": rows,
        "max_abs_diff": max_diff,
        "max_abs_diff_ok": ok,
        "jit": jit,
        "ksvd": ksvd,
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpu_count": os.cpu_count(), "numba_threads": numba.get_num_threads(),
                    "numpy": np.__version__, "numba": numba.__version__,
                    "sklearn": sklearn.__version__,
                    "load_average_1min": os.getloadavg()[0]},
        "args": vars(args),
    }
    write_json(args.json, payload)
    print(f"wrote {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
