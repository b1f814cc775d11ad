"""Numba kernels of the patch machinery (imported lazily)."""

from numba import njit, prange


@njit(cache=True, parallel=True)
def overlap_add_kernel(patches, rows, cols, size, image, weight):
    """Add every patch (row-major rows of ``patches``) into ``image``.

    Parallel over grid rows that cannot overlap: the grid rows are processed
    in ``stride`` interleaved passes, each taking grid rows at least ``size``
    pixels apart, so that two threads never write the same pixel.
    """
    n_cols = cols.size
    n_rows = rows.size
    if n_rows == 0:
        return
    step = rows[1] - rows[0] if n_rows > 1 else size
    stride = (size + step - 1) // step  # grid rows between non-overlapping ones
    for phase in range(stride):
        n_band = (n_rows - phase + stride - 1) // stride
        for b in prange(n_band):
            r = phase + b * stride
            top = rows[r]
            for c in range(n_cols):
                left = cols[c]
                patch = patches[r * n_cols + c]
                for y in range(size):
                    for x in range(size):
                        image[top + y, left + x] += patch[y * size + x]
                        weight[top + y, left + x] += 1.0


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
