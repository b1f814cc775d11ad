"""Numba kernels of the patch machinery (imported lazily)."""

from numba import njit, prange
from numba.np.numpy_support import carray

from .._stackbuffer import stack_buffer

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


#: Patches and outputs of one register tile of :func:`stencil_project`.
TILE_PATCHES, TILE_OUTPUTS = 4, 16
#: Elements of the tile (a constant: the size of its stack buffer).
TILE_SIZE = TILE_PATCHES * TILE_OUTPUTS


@njit(cache=True, parallel=True)
def stencil_project(image, rows, cols, run_row, run_col, run_start, weights, out):
    """``out[r * n_cols + c] = sum_t image[rows[r] + dy_t, cols[c] + dx_t] * weights[t]``.

    A linear map of each patch's stencil to ``weights.shape[1]`` values (a
    multiple of ``TILE_OUTPUTS``). The taps come in horizontal runs: run
    ``k`` covers the taps ``run_start[k]:run_start[k + 1]`` at row offset
    ``run_row[k]`` and consecutive column offsets from ``run_col[k]``, so that
    pixels are read along rows.

    Register-tiled: 4 neighbouring patches of a grid row times 16 outputs
    are summed at once in registers (8 AVX vectors in a
    :func:`~classicsr._stackbuffer.stack_buffer`; each tap's weights are
    read once for the 4 patches), 1.4x faster than one patch's outputs
    accumulated in memory. Every value is still the sum over the taps in
    their order, one product and one addition at a time (no fused
    multiply-add, no reassociation), so the result of a patch does not
    depend on its place in the grid: a tile of the image gives exactly the
    values of the whole (``tests/test_tiling.py``), which a BLAS product
    of gathered patches (faster again) does not.
    """
    n_cols = cols.size
    n_runs = run_row.size
    d = weights.shape[1]
    n_tiled = n_cols // TILE_PATCHES * TILE_PATCHES
    for r in prange(rows.size):
        top = rows[r]
        acc = carray(stack_buffer(out, TILE_SIZE), (TILE_PATCHES, TILE_OUTPUTS))
        for c in range(0, n_tiled, TILE_PATCHES):
            l0 = cols[c]
            l1 = cols[c + 1]
            l2 = cols[c + 2]
            l3 = cols[c + 3]
            for jc in range(0, d, TILE_OUTPUTS):
                for p in range(TILE_PATCHES):
                    for j in range(TILE_OUTPUTS):
                        acc[p, j] = 0.0
                for k in range(n_runs):
                    src = image[top + run_row[k]]
                    first = run_start[k]
                    n = run_start[k + 1] - first
                    # slices, so that the loop's indices are provably >= 0
                    # (no negative-index arithmetic in the inner loop)
                    s0 = src[l0 + run_col[k]:l0 + run_col[k] + n]
                    s1 = src[l1 + run_col[k]:l1 + run_col[k] + n]
                    s2 = src[l2 + run_col[k]:l2 + run_col[k] + n]
                    s3 = src[l3 + run_col[k]:l3 + run_col[k] + n]
                    for i in range(n):
                        x0 = s0[i]
                        x1 = s1[i]
                        x2 = s2[i]
                        x3 = s3[i]
                        w = weights[first + i]
                        for j in range(TILE_OUTPUTS):
                            wj = w[jc + j]
                            acc[0, j] += x0 * wj
                            acc[1, j] += x1 * wj
                            acc[2, j] += x2 * wj
                            acc[3, j] += x3 * wj
                for p in range(TILE_PATCHES):
                    dst = out[r * n_cols + c + p]
                    for j in range(TILE_OUTPUTS):
                        dst[jc + j] = acc[p, j]
        for c in range(n_tiled, n_cols):
            # the last patches of the row, one at a time (the same sums)
            left = cols[c]
            dst = out[r * n_cols + c]
            dst[:] = 0.0
            for k in range(n_runs):
                src = image[top + run_row[k]]
                offset = left + run_col[k] - run_start[k]
                for t in range(run_start[k], run_start[k + 1]):
                    v = src[offset + t]
                    w = weights[t]
                    for j in range(d):
                        dst[j] += v * w[j]
