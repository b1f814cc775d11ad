"""Numba kernels of the patch machinery (imported lazily)."""

import numpy as np
from numba import njit, prange

__all__ = ["gather_patches", "overlap_add_kernel", "stencil_project"]


@njit(cache=True, parallel=True)
def overlap_add_kernel(patches, patch_weight, rows, cols, size, stride, image, weight):
    """Add every patch (row-major rows of ``patches``), times its
    ``patch_weight``, into ``image`` and its weight into ``weight``.

    Parallel over grid rows that cannot overlap: the grid rows are processed
    in ``stride`` interleaved passes, each taking grid rows at least ``size``
    pixels apart (``rows[r + stride] - rows[r] >= size`` for every ``r``, see
    :func:`classicsr.patches.overlap.safe_stride`), so that two threads never
    write the same pixel.
    """
    n_cols = cols.size
    n_rows = rows.size
    if n_rows == 0:
        return
    for phase in range(stride):
        n_band = (n_rows - phase + stride - 1) // stride
        for b in prange(n_band):
            r = phase + b * stride
            top = rows[r]
            for c in range(n_cols):
                left = cols[c]
                i = r * n_cols + c
                patch = patches[i]
                w = patch_weight[i]
                for y in range(size):
                    for x in range(size):
                        image[top + y, left + x] += w * patch[y * size + x]
                        weight[top + y, left + x] += w


@njit(cache=True, parallel=True)
def gather_patches(images, rows, cols, size, out):
    """Patches of each of ``images`` (n_images, H, W) into ``out`` rows.

    Row ``r * n_cols + c`` of ``out`` holds, image after image, the
    ``size x size`` patch at ``(rows[r], cols[c])`` in row-major order.
    """
    n_images = images.shape[0]
    n_cols = cols.size
    block = size * size
    for r in prange(rows.size):
        top = rows[r]
        for c in range(n_cols):
            dst = out[r * n_cols + c]
            left = cols[c]
            for f in range(n_images):
                base = f * block
                for y in range(size):
                    src = images[f, top + y]
                    for x in range(size):
                        dst[base + y * size + x] = src[left + x]


@njit(cache=True, parallel=True)
def stencil_project(image, rows, cols, run_row, run_col, run_start, weights, out):
    """``out[r * n_cols + c] = sum_t image[rows[r] + dy_t, cols[c] + dx_t] * weights[t]``.

    A linear map of each patch's stencil to ``weights.shape[1]`` values. The
    taps come in horizontal runs: run ``k`` covers the taps
    ``run_start[k]:run_start[k + 1]`` at row offset ``run_row[k]`` and
    consecutive column offsets from ``run_col[k]``, so that pixels are read
    along rows. The inner loop over the output is whole SIMD vectors when
    its width is a multiple of 16.
    """
    n_cols = cols.size
    n_runs = run_row.size
    d = weights.shape[1]
    for r in prange(rows.size):
        top = rows[r]
        acc = np.empty(d, dtype=out.dtype)
        for c in range(n_cols):
            left = cols[c]
            acc[:] = 0.0
            for k in range(n_runs):
                src = image[top + run_row[k]]
                first = left + run_col[k] - run_start[k]
                for t in range(run_start[k], run_start[k + 1]):
                    v = src[first + t]
                    w = weights[t]
                    for j in range(d):
                        acc[j] += v * w[j]
            dst = out[r * n_cols + c]
            for j in range(d):
                dst[j] = acc[j]
