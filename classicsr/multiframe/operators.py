"""Linear operators of multi-frame super-resolution: ``A_k = D H W_k`` and priors.

:class:`WarpBlurDecimate` is the observation model ``y_k = D H W_k x + n_k``
of every frame at once (warp by bilinear interpolation, Gaussian PSF,
decimation on MATLAB's ``imresize`` grid), with its exact adjoint, run by the
Numba kernels of :mod:`classicsr.multiframe._kernels`.
:class:`FlowBlurDecimate` and :class:`FlowWarpBlurDecimate` are the two
models under a dense motion (one displacement per LR pixel,
``motion='flow'``), with the same kernels and so the same exact adjoints.
:meth:`WarpBlurDecimate.to_sparse` builds the same operator as one
``scipy.sparse`` matrix (for comparison and for users who want the matrix).
:class:`ShiftedDifferences` holds the pixel differences of the bilateral-TV,
Huber and Tikhonov priors.
"""

import math

import numpy as np

from .motion import lr_to_hr

__all__ = ["ADJOINT_BUFFERS", "FIRST_ORDER_SHIFTS", "FLOW_OPERATORS", "OPERATORS",
           "BlurWarpDecimate", "FlowBlurDecimate", "FlowWarpBlurDecimate", "FrameOperator", "ShiftedDifferences", "WarpBlurDecimate", "btv_shifts",
           "gaussian_psf_taps"]

#: The kernels' "no dense motion" flow argument (an empty array).
_NO_FLOW = np.empty((0, 1, 1, 2))

#: Private HR buffers of the adjoint sampling: a fixed number, not the thread
#: count, so that the order of the sums, hence the result, is the same bit for
#: bit whatever the number of threads.
ADJOINT_BUFFERS = 8


def gaussian_psf_taps(sigma):
    """Normalised 1-D Gaussian taps of standard deviation ``sigma`` (HR pixels).

    Radius ``ceil(3 sigma)``; ``sigma = 0`` gives the identity ``[1.0]``. The
    2-D PSF is the outer product (a sampled, normalised Gaussian).
    """
    if sigma == 0:
        return np.ones(1)
    radius = max(1, math.ceil(3.0 * sigma))
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-0.5 * (t / sigma) ** 2)
    return g / g.sum()


class FrameOperator:
    """What the observation operators share: shapes, ``A^T 1``, ``||A||^2``."""

    def __init__(self, motion, lr_shape, scale, psf_sigma=1.0, taps=None):
        self.motion = np.ascontiguousarray(motion, dtype=np.float64)
        self.scale = int(scale)
        self.lr_shape = (int(lr_shape[0]), int(lr_shape[1]))
        self.hr_shape = (self.scale * self.lr_shape[0], self.scale * self.lr_shape[1])
        self.taps = np.ascontiguousarray(
            gaussian_psf_taps(psf_sigma) if taps is None else taps, dtype=np.float64)
        self.radius = (self.taps.size - 1) // 2
        self.n_frames = self.motion.shape[0]
        self.transforms = np.ascontiguousarray(lr_to_hr(self.motion, self.scale))

    @property
    def shape(self):
        """``(N h w, H W)``: the operator as a matrix."""
        n = self.n_frames * self.lr_shape[0] * self.lr_shape[1]
        return (n, self.hr_shape[0] * self.hr_shape[1])

    def frame(self, k):
        """The operator of frame ``k`` alone."""
        return type(self)(self.motion[k:k + 1], self.lr_shape, self.scale, taps=self.taps)

    def column_sums(self):
        """``A^T 1`` (how much each HR pixel contributes to the frames)."""
        return self.adjoint(np.ones((self.n_frames,) + self.lr_shape))

    def norm_squared(self, n_iter=30, seed=0):
        """Largest eigenvalue of ``A^T A`` by power iteration (random start, seeded)."""
        x = np.random.default_rng(seed).random(self.hr_shape)
        value = 0.0
        for _ in range(n_iter):
            x /= np.linalg.norm(x)
            x = self.adjoint(self.forward(x))
            value = float(np.linalg.norm(x))
        return value

    def _bilinear_matrix(self, px, py, transform):
        """Sparse bilinear interpolation of the HR image at ``transform (px, py)``."""
        t = transform
        xw = t[2, 0] * px + t[2, 1] * py + t[2, 2]
        return self._bilinear_at((t[0, 0] * px + t[0, 1] * py + t[0, 2]) / xw,
                                 (t[1, 0] * px + t[1, 1] * py + t[1, 2]) / xw)

    def _bilinear_at(self, xs, ys):
        """Sparse bilinear interpolation of the HR image at points ``(xs, ys)``
        (clamped to the image)."""
        import scipy.sparse as sp

        height, width = self.hr_shape
        xs = np.clip(xs, 0, width - 1)
        ys = np.clip(ys, 0, height - 1)
        x0 = np.floor(xs).astype(np.int64)
        y0 = np.floor(ys).astype(np.int64)
        fx, fy = xs - x0, ys - y0
        x1 = np.minimum(x0 + 1, width - 1)
        y1 = np.minimum(y0 + 1, height - 1)
        rows = np.tile(np.arange(xs.size), 4)
        cols = np.concatenate([y0 * width + x0, y0 * width + x1,
                               y1 * width + x0, y1 * width + x1])
        vals = np.concatenate([(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx])
        return sp.csr_matrix((vals, (rows, cols)), shape=(xs.size, height * width))


class WarpBlurDecimate(FrameOperator):
    """The observation operator ``A x = (D H W_k x)_k`` of ``N`` frames.

    Parameters
    ----------
    motion : ndarray, shape (N, 3, 3)
        Per-frame matrices in LR coordinates (see :mod:`.motion`).
    lr_shape : tuple of int
        ``(h, w)`` of the frames.
    scale : int
        Integer factor; the HR image is ``(scale h, scale w)``.
    psf_sigma : float
        Standard deviation of the Gaussian PSF, in HR pixels.
    taps : ndarray, optional
        Separable PSF taps of odd length, instead of the Gaussian.

    Notes
    -----
    LR pixel ``i`` of frame ``k`` is the PSF-weighted sum of the warped HR
    image at HR coordinates ``(i + 0.5) scale - 0.5 + t``, ``t`` the integer
    tap offsets: for even ``scale`` these are half-integers, which the warp
    absorbs (it samples ``x`` by bilinear interpolation at
    ``T_k (q)``, ``T_k = C P_k C^-1``), so no rounding of the grid is
    involved. Samples outside the HR image take the nearest edge pixel.
    """

    def __init__(self, motion, lr_shape, scale, psf_sigma=1.0, taps=None):
        super().__init__(motion, lr_shape, scale, psf_sigma, taps)
        # HR coordinate of sampling-grid point 0: the first LR centre minus the radius
        self.origin = (self.scale - 1) / 2.0 - self.radius
        self._flow = _NO_FLOW

    def forward(self, x):
        """``A x``: ``(H, W)`` -> ``(N, h, w)``."""
        from ._kernels import forward

        out = np.empty((self.n_frames,) + self.lr_shape)
        forward(np.ascontiguousarray(x, dtype=np.float64), self.transforms, self._flow,
                self.taps, self.scale, self.origin, self.origin, out)
        return out

    def adjoint(self, y):
        """``A^T y``: ``(N, h, w)`` -> ``(H, W)``."""
        from ._kernels import adjoint_per_frame, sum_frames

        stack = np.empty((self.n_frames,) + self.hr_shape)
        adjoint_per_frame(np.ascontiguousarray(y, dtype=np.float64), self.transforms,
                          self._flow, self.taps, self.scale, self.origin, self.origin, stack)
        if self.n_frames == 1:
            return stack[0]
        out = np.empty(self.hr_shape)
        sum_frames(stack, out)
        return out

    def to_sparse(self):
        """The operator as a ``scipy.sparse.csr_matrix`` of :attr:`shape`.

        Built with NumPy from the same definition (bilinear weights of every
        sampling-grid point, then the separable PSF and decimation as sparse
        products); rows are frame after frame, pixels in row-major order.
        """
        import scipy.sparse as sp

        h, w = self.lr_shape
        ntap = self.taps.size
        grid_rows = self.scale * (h - 1) + ntap
        grid_cols = self.scale * (w - 1) + ntap

        def blur_decimate(n_out, n_grid):
            rows = np.repeat(np.arange(n_out), ntap)
            cols = (self.scale * rows + np.tile(np.arange(ntap), n_out))
            return sp.csr_matrix((np.tile(self.taps, n_out), (rows, cols)),
                                 shape=(n_out, n_grid))

        blur = sp.kron(blur_decimate(h, grid_rows), blur_decimate(w, grid_cols), format="csr")
        a, b = np.mgrid[0:grid_rows, 0:grid_cols]
        px = (self.origin + b).ravel().astype(np.float64)
        py = (self.origin + a).ravel().astype(np.float64)
        blocks = [blur @ self._grid_sampling(px, py, k) for k in range(self.n_frames)]
        return sp.vstack(blocks, format="csr")

    def _grid_sampling(self, px, py, k):
        """Sparse bilinear sampling of frame ``k`` at grid points ``(px, py)``."""
        return self._bilinear_matrix(px, py, self.transforms[k])


class BlurWarpDecimate(FrameOperator):
    """The fast observation operator ``A x = (D W_k H x)_k``: blur once, then sample.

    Same parameters and interface as :class:`WarpBlurDecimate`. The HR image
    is blurred once by the separable PSF (edge replication), then every LR
    pixel of frame ``k`` samples it by bilinear interpolation at its centre
    ``(i + 0.5) scale - 0.5`` mapped through ``T_k = C P_k C^-1``.

    For an isotropic Gaussian PSF, blur and warp commute exactly (in the
    continuous domain) for translations and rotations, and up to the zoom of
    the PSF (a few percent here) for affine and projective motion, so this is
    the model ``D H W_k`` of Farsiu et al. and Elad & Hel-Or evaluated in the
    cheaper order: the blur is shared by all frames and the warp is sampled
    only at the ``N h w`` LR pixels, instead of on a ``(scale h) x
    (scale w)`` grid per frame.
    """

    def __init__(self, motion, lr_shape, scale, psf_sigma=1.0, taps=None):
        from ._kernels import bilinear_table

        super().__init__(motion, lr_shape, scale, psf_sigma, taps)
        self.origin = (self.scale - 1) / 2.0
        # bilinear sampling positions, computed once per problem
        shape = (self.n_frames,) + self.lr_shape
        self._index = np.empty(shape, dtype=np.int64)
        self._fx = np.empty(shape)
        self._fy = np.empty(shape)
        bilinear_table(self.transforms, self.scale, self.origin, self.hr_shape[0],
                       self.hr_shape[1], self._index, self._fx, self._fy)
        self._n_buffers = max(1, min(ADJOINT_BUFFERS, self.n_frames))

    def blur(self, x):
        """``H x`` on the HR grid."""
        from ._kernels import blur_cols, blur_rows

        if self.taps.size == 1:
            return np.array(x, dtype=np.float64) * self.taps[0]
        mid = np.empty(self.hr_shape)
        blur_rows(np.ascontiguousarray(x, dtype=np.float64), self.taps, mid)
        out = np.empty(self.hr_shape)
        blur_cols(mid, self.taps, out)
        return out

    def blur_adjoint(self, y):
        """``H^T y``."""
        from ._kernels import blur_cols_adjoint, blur_rows_adjoint

        if self.taps.size == 1:
            return np.array(y, dtype=np.float64) * self.taps[0]
        mid = np.empty(self.hr_shape)
        blur_cols_adjoint(np.ascontiguousarray(y, dtype=np.float64), self.taps, mid)
        out = np.empty(self.hr_shape)
        blur_rows_adjoint(mid, self.taps, out)
        return out

    def forward(self, x):
        """``A x``: ``(H, W)`` -> ``(N, h, w)``."""
        from ._kernels import sample

        out = np.empty((self.n_frames,) + self.lr_shape)
        sample(self.blur(x), self._index, self._fx, self._fy, out)
        return out

    def adjoint(self, y):
        """``A^T y``: ``(N, h, w)`` -> ``(H, W)``."""
        from ._kernels import sample_adjoint

        buffers = np.empty((self._n_buffers,) + self.hr_shape)
        sample_adjoint(np.ascontiguousarray(y, dtype=np.float64), self._index, self._fx,
                       self._fy, buffers)
        z = buffers[0]
        for extra in buffers[1:]:
            z += extra
        return self.blur_adjoint(z)

    def _sampling_rows(self):
        """Sparse sampling matrix of every frame (see :meth:`to_sparse`)."""
        import scipy.sparse as sp

        i, j = np.mgrid[0:self.lr_shape[0], 0:self.lr_shape[1]]
        px = (self.scale * j + self.origin).ravel().astype(np.float64)
        py = (self.scale * i + self.origin).ravel().astype(np.float64)
        return sp.vstack([self._bilinear_matrix(px, py, t) for t in self.transforms],
                         format="csr")

    def to_sparse(self, factored=False):
        """The operator as a ``scipy.sparse.csr_matrix`` (see
        :meth:`WarpBlurDecimate.to_sparse`); with ``factored=True`` the pair
        ``(sampling, blur)`` whose product it is (far fewer nonzeros)."""
        import scipy.sparse as sp

        height, width = self.hr_shape
        radius = self.radius

        def blur_1d(n):
            rows = np.repeat(np.arange(n), self.taps.size)
            cols = np.clip(rows + np.tile(np.arange(-radius, radius + 1), n), 0, n - 1)
            return sp.csr_matrix((np.tile(self.taps, n), (rows, cols)), shape=(n, n))

        blur = sp.kron(blur_1d(height), blur_1d(width), format="csr")
        sampling = self._sampling_rows()
        if factored:
            return sampling, blur
        return (sampling @ blur).tocsr()


class FlowBlurDecimate(BlurWarpDecimate):
    """The blur-first observation operator under a dense motion (optical flow).

    ``A x = (D W_k H x)_k`` as :class:`BlurWarpDecimate`, except that LR
    pixel ``p`` of frame ``k`` samples the blurred HR image at its own
    displaced centre ``C (p + flow[k, p])`` (``C`` the LR -> HR map of
    :func:`~classicsr.multiframe.motion.grid_matrix`) instead of at
    ``C P_k p``: ``frame_k(p) = reference(p + flow[k, p])``, the
    convention of :mod:`classicsr.multiframe.motion`. A pixel moving on its
    own (an object over a moving scene) is modelled where it is, which no
    one matrix per frame can do.

    Parameters
    ----------
    flow : ndarray, shape (N, h, w, 2)
        Displacement ``(dx, dy)`` of every LR pixel of every frame, LR pixels.
    lr_shape : tuple of int
        ``(h, w)``; must match ``flow``.
    scale, psf_sigma, taps
        As for :class:`BlurWarpDecimate`.

    Notes
    -----
    Only the sampling table differs
    (:func:`~classicsr.multiframe._kernels.flow_table`); the blur, the
    bilinear sampling and their adjoints are the kernels of
    :class:`BlurWarpDecimate`, so the adjoint is exact for any flow
    (OpenCV's ``cv2.remap`` would warp by a flow, but offers no adjoint,
    which every method needs). :class:`FlowWarpBlurDecimate` is the
    warp-first model under a dense motion.
    """

    def __init__(self, flow, lr_shape, scale, psf_sigma=1.0, taps=None):
        from ._kernels import flow_table

        self.flow = np.ascontiguousarray(flow, dtype=np.float64)
        n_frames = self.flow.shape[0]
        FrameOperator.__init__(self, np.tile(np.eye(3), (n_frames, 1, 1)), lr_shape, scale,
                               psf_sigma, taps)
        self.origin = (self.scale - 1) / 2.0
        shape = (self.n_frames,) + self.lr_shape
        self._index = np.empty(shape, dtype=np.int64)
        self._fx = np.empty(shape)
        self._fy = np.empty(shape)
        flow_table(self.flow, self.scale, self.origin, self.hr_shape[0], self.hr_shape[1],
                   self._index, self._fx, self._fy)
        self._n_buffers = max(1, min(ADJOINT_BUFFERS, self.n_frames))

    def frame(self, k):
        """The operator of frame ``k`` alone."""
        return type(self)(self.flow[k:k + 1], self.lr_shape, self.scale, taps=self.taps)

    def _sampling_rows(self):
        """Sparse sampling matrix of every frame (see :meth:`to_sparse`)."""
        import scipy.sparse as sp

        i, j = np.mgrid[0:self.lr_shape[0], 0:self.lr_shape[1]]
        return sp.vstack([self._bilinear_at(
            (self.scale * (j + f[..., 0]) + self.origin).ravel(),
            (self.scale * (i + f[..., 1]) + self.origin).ravel()) for f in self.flow],
            format="csr")


class FlowWarpBlurDecimate(WarpBlurDecimate):
    """The warp-first observation operator ``D H W_k`` under a dense motion.

    As :class:`WarpBlurDecimate`, except that every point ``q`` of frame
    ``k``'s sampling grid (HR coordinates) samples the HR image at
    ``q + scale f_k(q)``, ``f_k`` the flow (LR pixels) interpolated
    bilinearly at ``q``'s LR coordinates (clamped to the LR grid): the
    same kernels, hence the same exact adjoint. Parameters as
    :class:`FlowBlurDecimate`.
    """

    def __init__(self, flow, lr_shape, scale, psf_sigma=1.0, taps=None):
        flow = np.ascontiguousarray(flow, dtype=np.float64)
        super().__init__(np.tile(np.eye(3), (flow.shape[0], 1, 1)), lr_shape, scale,
                         psf_sigma, taps)
        self.flow = self._flow = flow

    def frame(self, k):
        """The operator of frame ``k`` alone."""
        return type(self)(self.flow[k:k + 1], self.lr_shape, self.scale, taps=self.taps)

    def _grid_sampling(self, px, py, k):
        from scipy.ndimage import map_coordinates

        offset = (self.scale - 1) / 2.0
        h, w = self.lr_shape
        lx = np.clip((px - offset) / self.scale, 0, w - 1)
        ly = np.clip((py - offset) / self.scale, 0, h - 1)
        dx, dy = (map_coordinates(self.flow[k, ..., c], [ly, lx], order=1, mode="nearest")
                  for c in range(2))
        return self._bilinear_at(px + self.scale * dx, py + self.scale * dy)


#: Observation models by name: ``'blur-first'`` (fast, the default) and
#: ``'warp-first'`` (``D H W_k`` literally, the blur on a per-frame grid).
OPERATORS = {"blur-first": BlurWarpDecimate, "warp-first": WarpBlurDecimate}
#: The same two models under a dense motion (``motion='flow'``).
FLOW_OPERATORS = {"blur-first": FlowBlurDecimate, "warp-first": FlowWarpBlurDecimate}


def btv_shifts(radius, alpha):
    """Shifts and weights of the bilateral total variation (Farsiu et al. 2004).

    Every shift ``(l, m)`` with ``|l|, |m| <= radius`` is used once (one of
    ``(l, m)`` and ``(-l, -m)``), weighted ``alpha ** (|l| + |m|)``.

    Returns
    -------
    shifts : (S, 2) int64 array of ``(rows, cols)``
    weights : (S,) float64 array
    """
    shifts = [(k, m) for k in range(radius + 1) for m in range(-radius, radius + 1)
              if k > 0 or m > 0]
    shifts = np.array(shifts, dtype=np.int64).reshape(-1, 2)
    weights = float(alpha) ** np.abs(shifts).sum(axis=1)
    return shifts, weights.astype(np.float64)


#: The two first-order differences (down, right) of the Huber and Tikhonov priors.
FIRST_ORDER_SHIFTS = np.array([[1, 0], [0, 1]], dtype=np.int64)


class ShiftedDifferences:
    """``D x = (x - x(.+s))_s`` over a set of pixel shifts ``s``.

    Pairs with a pixel outside the image are left out (their difference is 0).
    """

    def __init__(self, shifts):
        self.shifts = np.ascontiguousarray(shifts, dtype=np.int64)

    def apply(self, x):
        """``(S, H, W)`` array of the differences."""
        from ._kernels import shifted_differences

        out = np.empty((self.shifts.shape[0],) + x.shape)
        shifted_differences(np.ascontiguousarray(x), self.shifts, out)
        return out

    def weighted_normal(self, x, weights):
        """``sum_s D_s^T (weights[s] D_s x)``; ``weights`` is ``(S, H, W)``."""
        from ._kernels import weighted_difference_normal

        out = np.empty(x.shape)
        weighted_difference_normal(np.ascontiguousarray(x), self.shifts,
                                   np.ascontiguousarray(weights), out)
        return out
