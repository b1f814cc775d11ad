"""Iterative solvers, kept apart from the problems they solve.

Every solver works on NumPy arrays through callables, so the same code serves
every method of :mod:`classicsr.multiframe.algorithms`. Common conventions:

* ``max_iter`` caps the iterations; ``tol`` is a relative stopping
  tolerance (see each solver);
* ``callback(iteration, x)`` is called after every iteration with the
  current estimate (do not modify it); if it returns ``True`` the solver
  stops;
* ``progress=True`` shows a tqdm bar named ``desc``.

Each returns ``(x, info)`` with ``info = {"iterations": n, "converged": bool}``.
"""

import numpy as np

__all__ = ["conjugate_gradient", "cyclic_projections", "dot", "gradient_descent", "irls",
           "norm"]


def dot(a, b):
    """``<a, b>`` without BLAS (whose threads fight Numba's on busy machines)."""
    return float(np.multiply(a, b).sum())


def norm(a):
    """Euclidean norm of all entries of ``a`` (no BLAS)."""
    return float(np.sqrt(dot(a, a)))


def _bar(max_iter, desc, progress):
    from tqdm.auto import tqdm

    return tqdm(total=max_iter, desc=desc, disable=not progress, unit="it", leave=False)


def conjugate_gradient(apply_matrix, rhs, x0, *, max_iter=50, tol=1e-6, callback=None,
                       progress=False, desc="cg"):
    """Solve ``M x = rhs`` for a symmetric positive (semi-)definite ``M``.

    Step rule: the exact line search of CG (``alpha = r.r / p.Mp``), with
    Fletcher--Reeves directions. Stops when ``||rhs - M x|| <= tol ||rhs||``
    or after ``max_iter`` iterations.

    Parameters
    ----------
    apply_matrix : callable
        ``x -> M x`` on arrays shaped like ``x0``.
    rhs, x0 : ndarray
        Right-hand side and starting point.
    """
    x = np.array(x0, dtype=np.float64, copy=True)
    r = rhs - apply_matrix(x)
    p = r.copy()
    rr = dot(r, r)
    target = tol * norm(rhs)
    converged = np.sqrt(rr) <= target
    n = 0
    with _bar(max_iter, desc, progress) as bar:
        while n < max_iter and not converged:
            mp = apply_matrix(p)
            curvature = dot(p, mp)
            if curvature <= 0:  # M is singular along p: nothing more to gain
                break
            alpha = rr / curvature
            x += alpha * p
            r -= alpha * mp
            rr_new = dot(r, r)
            p *= rr_new / rr
            p += r
            rr = rr_new
            n += 1
            bar.update()
            converged = np.sqrt(rr) <= target
            if callback is not None and callback(n, x):
                break
    return x, {"iterations": n, "converged": bool(converged)}


def gradient_descent(gradient, x0, *, step, max_iter=50, tol=1e-5, project=None,
                     callback=None, progress=False, desc="gradient"):
    """Projected gradient descent with a fixed step.

    Step rule: ``x <- project(x - step * gradient(x))`` with the constant
    ``step`` given (the methods derive it from the operator norm, e.g.
    ``1 / ||A||^2`` for least squares: Landweber's rule). Stops when
    ``||x_new - x|| <= tol ||x||`` or after ``max_iter`` iterations.

    Parameters
    ----------
    gradient : callable
        ``x -> g(x)``, a (sub)gradient of the objective.
    project : callable, optional
        Projection applied after every step (e.g. clipping to [0, 1]).
    """
    def update(x):
        new = x - step * gradient(x)
        return new if project is None else project(new)

    return _fixed_point(update, x0, max_iter=max_iter, tol=tol, callback=callback,
                        progress=progress, desc=desc)


def _fixed_point(update, x0, *, max_iter, tol, callback, progress, desc):
    """Iterate ``x <- update(x)`` until ``||x_new - x|| <= tol ||x||`` or ``max_iter``.

    ``callback(n, x)`` after each iteration stops the loop by returning True.
    Returns ``(x, {"iterations": n, "converged": bool})``.
    """
    x = np.array(x0, dtype=np.float64, copy=True)
    converged = False
    n = 0
    with _bar(max_iter, desc, progress) as bar:
        while n < max_iter:
            new = update(x)
            change = norm(new - x)
            x = new
            n += 1
            bar.update()
            if change <= tol * max(norm(x), 1e-12):
                converged = True
                break
            if callback is not None and callback(n, x):
                break
    return x, {"iterations": n, "converged": converged}


def irls(reweight, solve_weighted, x0, *, max_iter=10, tol=1e-4, callback=None,
         progress=False, desc="irls"):
    """Iteratively reweighted least squares (half-quadratic minimisation).

    Each outer iteration computes weights from the current estimate
    (``weights = reweight(x)``: the quadratic majoriser of a robust or
    sparse penalty at ``x``) and then minimises the weighted quadratic
    (``x = solve_weighted(weights, x)``, e.g. a few warm-started CG steps).
    The objective decreases monotonically when the weighted problem is
    solved exactly. Stops when ``||x_new - x|| <= tol ||x||`` or after
    ``max_iter`` outer iterations.
    """
    return _fixed_point(lambda x: solve_weighted(reweight(x), x), x0, max_iter=max_iter,
                        tol=tol, callback=callback, progress=progress, desc=desc)


def cyclic_projections(projections, x0, *, max_iter=10, tol=1e-5, callback=None,
                       progress=False, desc="pocs"):
    """Projections onto convex sets, applied in turn (one sweep = one iteration).

    ``projections`` is a sequence of callables ``x -> P_i(x)``; every sweep
    applies them in order. Stops when a sweep changes ``x`` by at most
    ``tol ||x||`` or after ``max_iter`` sweeps.
    """
    x = np.array(x0, dtype=np.float64, copy=True)
    converged = False
    n = 0
    with _bar(max_iter, desc, progress) as bar:
        while n < max_iter:
            before = x.copy()
            for project in projections:
                x = project(x)
            n += 1
            bar.update()
            if norm(x - before) <= tol * max(norm(x), 1e-12):
                converged = True
                break
            if callback is not None and callback(n, x):
                break
    return x, {"iterations": n, "converged": converged}
