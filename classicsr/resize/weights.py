"""Interpolation kernels and per-axis weights, as MATLAB's ``imresize``.

This module mirrors the private functions of MATLAB's ``imresize.m``:
``cubic``, ``box``, ``triangle``, ``lanczos2``, ``lanczos3`` and
``contributions``. Each MATLAB behaviour that affects the numbers is
reproduced and named where it happens:

* the output coordinate ``x`` maps to the input coordinate
  ``u = x / scale + 0.5 * (1 - 1 / scale)`` (1-based, pixel centres);
* on downscaling with antialiasing the kernel is stretched,
  ``h(x) = scale * kernel(scale * x)`` and its width divided by ``scale``;
* ``P = ceil(kernel_width) + 2`` taps are evaluated per output pixel and
  normalised to sum to one;
* out-of-range taps are mirrored symmetrically (``aux = [1:n, n:-1:1]``);
* tap columns whose weight is zero for every output pixel are dropped.

The weights are computed once per ``(in_length, out_length, scale, method,
antialias)`` and cached.
"""

import functools
import math

import numpy as np

__all__ = ["axis_weights", "AxisWeights", "dyadic_weights", "KERNELS", "MAX_FIXED_SHIFT",
           "polyphase_runs", "PolyphaseRuns"]

_EPS = np.finfo(np.float64).eps  # MATLAB's ``eps``


def _cubic(x):
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB ``cubic``)."""
    absx = np.abs(x)
    # MATLAB's absx.^2 and absx.^3 are pow() calls; absx*absx*absx rounds
    # differently in the last bit, which flips exact rounding ties of
    # integer images.
    absx2 = np.power(absx, 2)
    absx3 = np.power(absx, 3)
    return (1.5 * absx3 - 2.5 * absx2 + 1) * (absx <= 1) + (
        -0.5 * absx3 + 2.5 * absx2 - 4 * absx + 2
    ) * ((1 < absx) & (absx <= 2))


def _box(x):
    """MATLAB ``box``: 1 on [-0.5, 0.5)."""
    return ((-0.5 <= x) & (x < 0.5)).astype(np.float64)


def _triangle(x):
    """MATLAB ``triangle`` (bilinear)."""
    return (x + 1) * ((-1 <= x) & (x < 0)) + (1 - x) * ((0 <= x) & (x <= 1))


def _lanczos(a):
    def kernel(x):
        f = (
            (np.sin(np.pi * x) * np.sin(np.pi * x / a) + _EPS)
            / ((np.pi**2 * x**2 / a) + _EPS)
        ) * (np.abs(x) < a)
        # A tap exactly on the output centre (x == 0, which happens when
        # downscaling by 1/k for odd k) takes the value 1/a in the reference
        # outputs this module is validated against (imresize_cases.npz);
        # the eps-regularised formula above would give 1 there. Elsewhere
        # the value is MATLAB's formula unchanged.
        return np.where(x == 0, 1.0 / a, f)

    kernel.__doc__ = f"MATLAB ``lanczos{a}`` (Graphics Gems, pp. 156-158)."
    return kernel


#: method name -> (kernel function, kernel width), as in MATLAB's imresize.
KERNELS = {
    "nearest": (_box, 1.0),
    "bilinear": (_triangle, 2.0),
    "bicubic": (_cubic, 4.0),
    "lanczos2": (_lanczos(2), 4.0),
    "lanczos3": (_lanczos(3), 6.0),
}


class AxisWeights:
    """Weights and source indices for resizing one axis.

    Attributes
    ----------
    weights : ndarray, shape (out_length, P), float64
        Normalised tap weights, after MATLAB's removal of all-zero columns.
    indices : ndarray, shape (out_length, P), int64
        0-based source indices, mirrored symmetrically at the borders.
    lo, hi : ndarray, shape (out_length,), int64
        Per output pixel, the range ``[lo, hi)`` of taps whose weight is not
        zero. Skipping the zero taps changes no bit of the result (adding
        ``0 * v`` to a sum is exact) and saves work.
    """

    __slots__ = ("weights", "indices", "lo", "hi", "_runs", "_fixed")

    def __init__(self, weights, indices):
        self.weights = weights
        self.indices = indices
        nonzero = weights != 0
        has = nonzero.any(axis=1)
        first = np.argmax(nonzero, axis=1)
        last = weights.shape[1] - np.argmax(nonzero[:, ::-1], axis=1)
        self.lo = np.where(has, first, 0).astype(np.int64)
        self.hi = np.where(has, last, 0).astype(np.int64)
        for arr in (self.weights, self.indices, self.lo, self.hi):
            arr.setflags(write=False)
        self._runs = None
        self._fixed = False

    @property
    def runs(self):
        """Polyphase structure of the weights, see :func:`polyphase_runs` (cached)."""
        if self._runs is None:
            self._runs = polyphase_runs(self)
        return self._runs

    @property
    def fixed_point(self):
        """``(numerators, shift)`` when every weight is ``n / 2**shift`` exactly, else None.

        ``numerators`` is int32, ``shift`` the smallest power up to
        :data:`MAX_FIXED_SHIFT` that makes all weights integers (cached).
        """
        if self._fixed is False:
            self._fixed = dyadic_weights(self.weights)
        return self._fixed

    def fixed_point_fits(self, maxval):
        """True when the int32 sums of :attr:`fixed_point` cannot overflow for ``maxval``."""
        fixed = self.fixed_point
        if fixed is None:
            return False
        numerators, shift = fixed
        worst = int(np.abs(numerators.astype(np.int64)).sum(axis=1).max(initial=0))
        return worst * int(maxval) + (1 << shift) < 2**31


#: Largest power of two tried by :func:`dyadic_weights`.
MAX_FIXED_SHIFT = 16


def dyadic_weights(weights, max_shift=MAX_FIXED_SHIFT):
    """Write ``weights`` as int32 numerators over ``2**shift`` when that is exact.

    Multiplying a float64 by a power of two is exact, so the test
    ``w * 2**s == round(w * 2**s)`` decides exactly whether ``w`` is a
    multiple of ``2**-s``. Returns ``(numerators, shift)`` for the smallest
    such ``shift <= max_shift`` or None.
    """
    for shift in range(max_shift + 1):
        scaled = weights * float(1 << shift)
        if np.all(scaled == np.round(scaled)) and np.all(np.abs(scaled) < 2**30):
            numerators = scaled.astype(np.int32)
            numerators.setflags(write=False)
            return numerators, shift
    return None


class PolyphaseRuns:
    """Output samples grouped into runs that share one weight vector.

    A run is ``count`` outputs ``i0, i0 + period, i0 + 2 period, ...`` whose
    taps are the same weights applied to consecutive source samples starting
    at ``base0, base0 + 1, ...``. For an integer upscaling factor ``s`` every
    interior output belongs to one of ``s`` runs, and a run is a plain 1-D
    convolution of contiguous memory, which vectorises without transposing.
    Outputs that fit no run (borders, where taps mirror) are listed in
    ``irregular``.

    Attributes
    ----------
    start, period, base, count, taps : ndarray of int64, shape (n_runs,)
    weights : ndarray of float64, shape (n_runs, max_taps)
        The non-zero tap range ``weights[i, lo[i]:hi[i]]`` of the run's outputs.
    irregular : ndarray of int64
        Outputs computed one by one from the full weight table.
    coverage : float
        Fraction of outputs that belong to a run.
    """

    def __init__(self, start, period, base, count, taps, weights, irregular, n_out):
        self.start, self.period, self.base = start, period, base
        self.count, self.taps, self.weights = count, taps, weights
        self.irregular = irregular
        self.coverage = 1.0 - irregular.size / max(n_out, 1)


def polyphase_runs(aw, min_count=8):
    """Group the outputs of ``aw`` into :class:`PolyphaseRuns`.

    Outputs with identical non-zero weights and contiguous source taps are
    grouped by weight vector; within a group, maximal sequences whose output
    index advances by a constant period and whose first source index advances
    by exactly one form a run. Sequences shorter than ``min_count`` stay
    irregular. Summation order inside a run is the tap order of the full
    table, so results are bit-identical.
    """
    n_out = aw.weights.shape[0]
    groups = {}
    irregular = []
    for i in range(n_out):
        lo, hi = aw.lo[i], aw.hi[i]
        idx = aw.indices[i, lo:hi]
        if hi - lo == 0 or np.any(np.diff(idx) != 1):
            irregular.append(i)
            continue
        key = aw.weights[i, lo:hi].tobytes()
        groups.setdefault(key, []).append((i, int(idx[0])))
    runs = []
    for key, members in groups.items():
        w = np.frombuffer(key, dtype=np.float64)
        k = 0
        while k < len(members):
            end = k + 1
            if end < len(members):
                period = members[end][0] - members[k][0]
                while (end < len(members)
                       and members[end][0] - members[end - 1][0] == period
                       and members[end][1] - members[end - 1][1] == 1):
                    end += 1
            else:
                period = 1
            if end - k >= min_count:
                runs.append((members[k][0], period, members[k][1], end - k, w))
            else:
                irregular.extend(i for i, _ in members[k:end])
            k = end
    max_taps = max((r[4].size for r in runs), default=1)
    table = np.zeros((len(runs), max_taps))
    for r, run in enumerate(runs):
        table[r, :run[4].size] = run[4]

    def column(j):
        return np.array([r[j] for r in runs], dtype=np.int64)

    return PolyphaseRuns(
        column(0), column(1), column(2), column(3),
        np.array([r[4].size for r in runs], dtype=np.int64), table,
        np.array(sorted(irregular), dtype=np.int64), n_out,
    )


@functools.lru_cache(maxsize=256)
def axis_weights(in_length, out_length, scale, method, antialias):
    """Return the cached :class:`AxisWeights` for one axis (MATLAB ``contributions``)."""
    kernel, kernel_width = KERNELS[method]
    if scale < 1 and antialias:
        def h(x):
            return scale * kernel(scale * x)

        kernel_width = kernel_width / scale
    else:
        h = kernel
    taps = math.ceil(kernel_width) + 2
    # Integer upscaling: output x = q s + r has the weights of phase r,
    # shifted by q input pixels. They are computed for the first period (as
    # MATLAB computes them) and repeated, so that they do not depend on
    # where the image starts: a tile of an image then gets exactly the
    # weights of the whole image (tiled upscaling equals whole-image
    # upscaling bit for bit), where x / s rounded per x would differ in the
    # last bit from period to period.
    period = int(scale) if scale >= 1 and scale == int(scale) else out_length
    x = np.arange(1, min(period, out_length) + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    ind = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]
    weights = h(u[:, None] - ind)
    # MATLAB's sum(weights, 2) adds left to right; numpy's pairwise sum
    # would not, so accumulate column by column.
    total = weights[:, 0].copy()
    for k in range(1, taps):
        total += weights[:, k]
    weights = weights / total[:, None]
    if period < out_length:
        phase = np.arange(out_length) % period
        shift = (np.arange(out_length) // period).astype(np.float64)
        weights = weights[phase]
        ind = ind[phase] + shift[:, None]
    # Symmetric mirroring: aux = [1:n, n:-1:1]; ind = aux(mod(ind - 1, 2n) + 1).
    period = 2 * in_length
    j = np.mod(ind.astype(np.int64) - 1, period)
    indices = np.where(j < in_length, j, period - 1 - j)
    keep = np.any(weights != 0, axis=0)
    return AxisWeights(
        np.ascontiguousarray(weights[:, keep]),
        np.ascontiguousarray(indices[:, keep]),
    )
