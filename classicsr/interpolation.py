"""Interpolation methods: MATLAB-exact ``imresize`` kernels as upscalers."""

from .registry import register_method
from .resize._imresize import resize_trusted

__all__ = []

_KEYS = "R. Keys, IEEE Trans. ASSP 29(6), 1981; MATLAB imresize"
_LANCZOS = "C. E. Duchon, J. Appl. Meteorology 18(8), 1979; MATLAB imresize"


def _interpolator(kernel):
    def upscale_with_kernel(img, scale):
        # the dispatcher has checked the image and the scale
        return resize_trusted(img, scale, method=kernel)

    upscale_with_kernel.__name__ = f"upscale_{kernel}"
    upscale_with_kernel.__doc__ = f"Upscale with MATLAB's ``imresize(img, scale, '{kernel}')``."
    return upscale_with_kernel


for _name, _description, _reference, _halo in (
    ("nearest", "nearest neighbour (MATLAB box kernel)", "MATLAB imresize", 1),
    ("bilinear", "bilinear (MATLAB triangle kernel)", "MATLAB imresize", 1),
    ("bicubic", "bicubic, Keys a = -0.5 (MATLAB imresize default)", _KEYS, 2),
    ("lanczos3", "Lanczos, a = 3 (MATLAB lanczos3)", _LANCZOS, 3),
):
    register_method(
        _name, description=_description, reference=_reference, halo=_halo,
        # bytes per output pixel of a float64 plane: 8.1-12.2 measured at x2 (tracemalloc
        # and RSS, benchmarks/bench_memory.py --per-method), plus the intermediate pass
        # of non-integer scales (8 / scale)
        memory=16,
    )(_interpolator(_name))
