"""Numba kernel of the back-projection filter: a separable, symmetric, odd
correlation of a 2-D image (imported lazily).

Why not ``scipy.ndimage.correlate1d``: it runs on one thread, and the
back-projection filters it ran were 6 % of ``ia``'s time on a Set14 image
(60 filterings of the HR image per image). This kernel adds in scipy's
order (the centre tap, then the symmetric pairs from the outermost inward,
``(x[i - t] + x[i + t]) * w[t]``), so that its results are the same to the
bit (checked against scipy in ``tests/test_backprojection.py``).
"""

from numba import njit, prange

__all__ = ["symmetric_separable_correlate"]


@njit(cache=True, inline="always")
def _at(line, p, n, replicate):
    """``line[p]`` with the border of scipy's ``mode='constant'`` (zero) or
    ``mode='nearest'`` (``replicate``)."""
    if p < 0:
        return line[0] if replicate else 0.0
    if p >= n:
        return line[n - 1] if replicate else 0.0
    return line[p]


@njit(cache=True, parallel=True)
def symmetric_separable_correlate(image, taps, replicate, tmp, out):
    """``out``: ``image`` correlated with the odd, symmetric ``taps`` along
    axis 0, then along axis 1 (``tmp`` holds the first pass); zero borders,
    or replicated ones with ``replicate``."""
    h, w = image.shape
    r = taps.size // 2
    centre = taps[r]
    for i in prange(h):
        for j in range(w):
            tmp[i, j] = image[i, j] * centre
        for t in range(r, 0, -1):
            weight = taps[r - t]
            up = i - t
            down = i + t
            for j in range(w):
                if replicate:
                    a = image[min(max(up, 0), h - 1), j]
                    b = image[min(max(down, 0), h - 1), j]
                else:
                    a = image[up, j] if up >= 0 else 0.0
                    b = image[down, j] if down < h else 0.0
                tmp[i, j] += (a + b) * weight
    for i in prange(h):
        line = tmp[i]
        dst = out[i]
        for j in range(w):
            acc = line[j] * centre
            if r <= j < w - r:  # interior: no border
                for t in range(r, 0, -1):
                    acc += (line[j - t] + line[j + t]) * taps[r - t]
            else:
                for t in range(r, 0, -1):
                    acc += (_at(line, j - t, w, replicate) + _at(line, j + t, w, replicate)) \
                        * taps[r - t]
            dst[j] = acc
