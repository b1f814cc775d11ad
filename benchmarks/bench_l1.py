#!/usr/bin/env python
"""Benchmark ``classicsr.sparse.sparse_code_l1`` (feature-sign search) against scikit-learn.

Run from the repository root::

    python benchmarks/bench_l1.py              # full run (5,000 signals)
    python benchmarks/bench_l1.py --quick      # smoke run (1,000 signals)
    python benchmarks/bench_l1.py --json /tmp/l1.json

What is measured
----------------
* The lasso ``min_x 1/2 ||y - D x||^2 + lam ||x||_1`` for ``--signals``
  (5,000) signals of dimension ``--features`` (100) over a random dictionary
  of ``--atoms`` (1024) unit-norm atoms, ``lam = --lam`` (0.1), the setting of
  Yang et al.'s ScSR (l2-normalised features). The data are synthetic, two
  workloads:

  - ``sparse``: each signal a combination of ``--sparsity`` (8) random atoms
    with Gaussian weights plus Gaussian noise of standard deviation
    ``--noise`` (0.05) per entry, then l2-normalised: closer to real patch
    features, whose codes are sparse;
  - ``gaussian``: i.i.d. Gaussian signals, l2-normalised: no structure, so
    the codes are much denser (about 50 atoms at ``lam = 0.1``) and every
    solver is slower; a hard case.

* ``classicsr``: :func:`sparse_code_l1` given ``gram = D^T D`` (computed once,
  as for a fixed dictionary), dense and ``sparse=True`` output. Steady-state
  time per call: one warm-up call, then ``--repeats`` timed calls
  (:func:`time.perf_counter`); median and minimum.
* Peers, run on the first ``--peer-signals`` (500) signals only (they code
  one signal at a time and are slow), ``--peer-repeats`` timed runs, with
  their default tolerances (what a user gets) and ``n_jobs=None``:

  - ``Lasso``: ``sklearn.linear_model.Lasso(alpha=lam / n_features,
    fit_intercept=False)`` fitted on each signal (coordinate descent,
    ``tol=1e-4``);
  - ``lasso_lars``: ``sklearn.decomposition.sparse_encode(X, D.T,
    algorithm='lasso_lars', alpha=lam)`` (``sparse_encode`` divides ``alpha``
    by ``n_features`` itself);
  - ``lasso_cd``: the same with ``algorithm='lasso_cd'``.

  ``signals/s`` and ``ratio`` (peer time per signal / classicsr dense time
  per signal; above 1 means classicsr is faster) are per signal, so they
  compare across the two sample sizes.
* Accuracy: ``max |diff|`` is the largest absolute difference between each
  method's codes and classicsr's (on the signals the peer coded). On the
  first ``--exact-signals`` (100) signals classicsr is also compared with
  ``sklearn.linear_model.lars_path(..., method='lasso',
  alpha_min=lam / n_features)`` (the LARS homotopy, exact in exact
  arithmetic): largest code difference, and largest relative objective
  excess ``(f_classicsr - f_lars) / f_lars`` (<= 0: classicsr at least as
  good). ``kkt`` is the largest violation of the optimality conditions
  over all signals: with ``c = D^T (y - D x)``, the largest of
  ``|c_i| - lam`` (all atoms) and ``|c_i - lam sign(x_i)|`` (support), for
  classicsr and, on its signals, for ``lars_path``; the run
  fails (exit status 1) if it exceeds 1e-8 or the objective excess 1e-12.
* ``support``: mean number of nonzero coefficients per signal; ``steps``:
  mean feature-sign steps per signal.
* JIT: the Numba kernels compile on first use and are cached on disk. The
  compile time is measured in a fresh subprocess with ``NUMBA_CACHE_DIR``
  pointed at an empty directory (first call on a tiny problem minus the
  second call), then in another fresh subprocess on the now-populated cache.
* The machine's load average is recorded: other processes sharing the
  cores inflate every timing.
"""

import argparse
import os
import platform
import sys
import textwrap
import warnings

from _common import ROOT, jit_times, timed, write_json

import numpy as np  # noqa: E402

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "l1.json"
MAX_OBJ_EXCESS = 1e-12
MAX_KKT = 1e-8

JIT_PROBE = textwrap.dedent("""
    import json, time
    import numpy as np
    from classicsr.sparse import sparse_code_l1
    rng = np.random.default_rng(0)
    D = rng.standard_normal((8, 16))
    D /= np.linalg.norm(D, axis=0)
    X = rng.standard_normal((8, 40))
    t = time.perf_counter(); sparse_code_l1(X, D, 0.1); first = time.perf_counter() - t
    t = time.perf_counter(); sparse_code_l1(X, D, 0.1); second = time.perf_counter() - t
    print(json.dumps({"first_s": first, "second_s": second}))
""")






def dictionary(n_features, n_atoms, seed=0):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((n_features, n_atoms))
    return D / np.linalg.norm(D, axis=0)


def signals(kind, D, n_signals, sparsity, noise, seed=1):
    """Unit-norm signals as columns: sparse combinations plus noise, or Gaussian."""
    rng = np.random.default_rng(seed)
    n_features, n_atoms = D.shape
    if kind == "gaussian":
        X = rng.standard_normal((n_features, n_signals))
    else:
        support = np.argsort(rng.random((n_signals, n_atoms)), axis=1)[:, :sparsity]
        coefs = rng.standard_normal((n_signals, sparsity))
        X = np.einsum("sk,fsk->fs", coefs, D[:, support])
        X += noise * rng.standard_normal(X.shape)
    return X / np.linalg.norm(X, axis=0)


def lars_reference(X, D, lam):
    from sklearn.linear_model import lars_path

    alpha = lam / D.shape[0]
    return np.stack([lars_path(D, X[:, s], method="lasso", alpha_min=alpha)[2][:, -1]
                     for s in range(X.shape[1])], axis=1)


def objective(X, D, C, lam):
    """1/2 ||y - D x||^2 + lam ||x||_1 of every column."""
    return 0.5 * ((X - D @ C) ** 2).sum(axis=0) + lam * np.abs(C).sum(axis=0)


def kkt_error(X, D, C, lam):
    """Largest violation of the lasso optimality conditions, over all signals.

    With ``c = D^T (y - D x)``: ``|c_i| <= lam`` for every atom and
    ``c_i = lam sign(x_i)`` on the support; returns the largest of
    ``|c_i| - lam`` and ``|c_i - lam sign(x_i)|`` (support only).
    """
    corr = D.T @ (X - D @ C)
    err = float((np.abs(corr) - lam).max())
    on = C != 0
    if on.any():
        err = max(err, float(np.abs(corr[on] - lam * np.sign(C[on])).max()))
    return err




def run_workload(kind, D, G, args):
    from sklearn.decomposition import sparse_encode
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso

    from classicsr.sparse import sparse_code_l1

    n = D.shape[0]
    lam = args.lam
    X = signals(kind, D, args.signals, args.sparsity, args.noise)
    Xp = X[:, :args.peer_signals]
    L, Lp = X.shape[1], Xp.shape[1]

    rows = {}
    rows["classicsr"], (ours, n_iter) = timed(
        lambda: sparse_code_l1(X, D, lam, gram=G, return_n_iter=True), args.repeats)
    rows["classicsr_sparse"], _ = timed(
        lambda: sparse_code_l1(X, D, lam, gram=G, sparse=True), args.repeats)
    for key in ("classicsr", "classicsr_sparse"):
        rows[key].update(n_signals=L, max_abs_diff=0.0)

    def lasso_per_signal():
        model = Lasso(alpha=lam / n, fit_intercept=False)
        return np.stack([model.fit(D, Xp[:, s]).coef_ for s in range(Lp)], axis=1)

    peers = {
        "sklearn_lasso": lasso_per_signal,
        "sklearn_lasso_lars": lambda: sparse_encode(
            Xp.T, D.T, algorithm="lasso_lars", alpha=lam).T,
        "sklearn_lasso_cd": lambda: sparse_encode(
            Xp.T, D.T, algorithm="lasso_cd", alpha=lam).T,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for key, fn in peers.items():
            rows[key], theirs = timed(fn, args.peer_repeats, warmup=False)
            rows[key].update(n_signals=Lp,
                             max_abs_diff=float(np.abs(theirs - ours[:, :Lp]).max()))
    base = rows["classicsr"]["median_s"] / L
    for row in rows.values():
        per = row["median_s"] / row["n_signals"]
        row["signals_per_s"] = 1.0 / per
        row["ratio"] = per / base

    Le = min(args.exact_signals, L)
    exact = lars_reference(X[:, :Le], D, lam)
    kkt = kkt_error(X, D, ours, lam)
    support = np.count_nonzero(ours, axis=0)
    return {
        "timings": rows,
        "max_abs_diff_vs_lars_path": float(np.abs(ours[:, :Le] - exact).max()),
        "max_rel_objective_excess_vs_lars_path": float(
            ((objective(X[:, :Le], D, ours[:, :Le], lam) - objective(X[:, :Le], D, exact, lam))
             / objective(X[:, :Le], D, exact, lam)).max()),
        "lars_path_signals": Le,
        "max_kkt_violation": kkt,
        "lars_path_max_kkt_violation": kkt_error(X[:, :Le], D, exact, lam),
        "mean_support": float(support.mean()),
        "max_support": int(support.max()),
        "mean_steps": float(n_iter.mean()),
    }


LABELS = {
    "classicsr": "classicsr sparse_code_l1 (dense)",
    "classicsr_sparse": "classicsr sparse_code_l1 (sparse=True)",
    "sklearn_lasso": "sklearn Lasso per signal",
    "sklearn_lasso_lars": "sklearn sparse_encode lasso_lars",
    "sklearn_lasso_cd": "sklearn sparse_encode lasso_cd",
}


def print_workload(kind, res):
    print(f"\n[{kind}] mean support {res['mean_support']:.1f} (max {res['max_support']}), "
          f"mean feature-sign steps {res['mean_steps']:.1f}")
    print(f"{'':40s} {'signals':>7s} {'median s':>9s} {'min s':>9s} {'runs':>4s} "
          f"{'signals/s':>10s} {'ratio':>7s} {'max |diff|':>10s}")
    for key, row in res["timings"].items():
        print(f"{LABELS[key]:40s} {row['n_signals']:7d} {row['median_s']:9.3f} "
              f"{row['min_s']:9.3f} {row['runs']:4d} {row['signals_per_s']:10.0f} "
              f"{row['ratio']:7.1f} {row['max_abs_diff']:10.1e}")
    print(f"classicsr vs lars_path, {res['lars_path_signals']} signals: "
          f"max |diff| {res['max_abs_diff_vs_lars_path']:.1e}, max relative objective "
          f"excess {res['max_rel_objective_excess_vs_lars_path']:.1e}; "
          f"max KKT violation {res['max_kkt_violation']:.1e} "
          f"(lars_path: {res['lars_path_max_kkt_violation']:.1e})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signals", type=int, default=5000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--atoms", type=int, default=1024)
    parser.add_argument("--lam", type=float, default=0.1)
    parser.add_argument("--sparsity", type=int, default=8)
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peer-signals", type=int, default=500)
    parser.add_argument("--peer-repeats", type=int, default=3)
    parser.add_argument("--exact-signals", type=int, default=100)
    parser.add_argument("--workloads", default="sparse,gaussian",
                        help="comma-separated: sparse, gaussian")
    parser.add_argument("--quick", action="store_true",
                        help="1,000 signals, 200 for the peers, 2 repeats")
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    args = parser.parse_args(argv)
    if args.quick:
        args.signals, args.peer_signals, args.repeats, args.peer_repeats = 1000, 200, 2, 1
        args.exact_signals = 50
    args.peer_signals = min(args.peer_signals, args.signals)
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in ("sparse", "gaussian"):
            parser.error(f"unknown workload {w!r}")

    import numba
    import sklearn

    n, K = args.features, args.atoms
    load_before = os.getloadavg()[0]
    print(f"L1 sparse coding: {args.signals} signals (peers: {args.peer_signals}), "
          f"{n} features, {K} unit atoms, lam {args.lam}; random synthetic data; "
          f"{os.cpu_count()} CPUs, {numba.get_num_threads()} Numba threads, "
          f"load average {load_before:.2f}")
    jit = jit_times(JIT_PROBE)
    D = dictionary(n, K)
    G = D.T @ D
    results = {}
    for kind in workloads:
        results[kind] = run_workload(kind, D, G, args)
        print_workload(kind, results[kind])
    for label, t in jit.items():
        print(f"JIT, {label:10s}: first call {t['first_s']:.2f} s "
              f"(then {t['second_s'] * 1e3:.1f} ms)")
    load_after = os.getloadavg()[0]
    print(f"load average after: {load_after:.2f}")

    ok = all(r["max_rel_objective_excess_vs_lars_path"] <= MAX_OBJ_EXCESS
             and r["max_kkt_violation"] <= MAX_KKT for r in results.values())
    payload = {
        "problem": {"n_signals": args.signals, "n_features": n, "n_atoms": K,
                    "lam": args.lam, "data": "synthetic: random unit-norm dictionary; "
                    "signals k-sparse plus noise ('sparse') or Gaussian ('gaussian'), "
                    "l2-normalised"},
        "workloads": results,
        "ok": ok,
        "jit": jit,
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpu_count": os.cpu_count(), "numba_threads": numba.get_num_threads(),
                    "numpy": np.__version__, "numba": numba.__version__,
                    "sklearn": sklearn.__version__,
                    "load_average_1min_before": load_before,
                    "load_average_1min_after": load_after},
        "args": vars(args),
    }
    write_json(args.json, payload)
    print(f"wrote {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
