"""The registry, available_methods() and upscale() over dtypes and channels."""

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.registry import register_method, unregister_method

BUILTIN = {"nearest", "bilinear", "bicubic", "lanczos3"}


def test_builtin_methods_registered_with_metadata():
    methods = classicsr.available_methods()
    assert BUILTIN <= set(methods)
    for name in BUILTIN:
        info = methods[name]
        assert info.name == name and info.description and info.reference
        assert info.scales is None and not info.needs_model and info.halo >= 1
        assert info.channels == "all"
    assert methods["bicubic"].halo == 2 and methods["lanczos3"].halo == 3


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(10, 12), (10, 12, 1), (10, 12, 3), (10, 12, 4)])
@pytest.mark.parametrize("method", sorted(BUILTIN))
def test_upscale_keeps_dtype_and_channels(dtype, shape, method):
    rng = np.random.default_rng(0)
    img = (rng.random(shape) * (255 if dtype == np.uint8 else 1)).astype(dtype)
    out = classicsr.upscale(img, 3, method=method)
    assert out.dtype == dtype
    assert out.shape == (30, 36) + shape[2:]


def test_upscale_bicubic_is_imresize():
    img = data.astronaut()[:50, :40]
    np.testing.assert_array_equal(classicsr.upscale(img, 2.5), classicsr.imresize(img, 2.5))


@pytest.fixture()
def luminance_method():
    calls = []

    @register_method("_test_lum", description="test", reference="-", scales=(2,),
                     channels="luminance", halo=0, options={"gain": "output multiplier"})
    def _lum(y, scale, gain=1.0):
        calls.append((y.dtype, y.ndim, float(y.min()), float(y.max())))
        return classicsr.imresize(y, scale) * gain

    yield calls
    unregister_method("_test_lum")


def test_luminance_method_on_colour(luminance_method):
    img = data.astronaut()[:40, :40]
    out = classicsr.upscale(img, 2, method="_test_lum")
    assert out.dtype == np.uint8 and out.shape == (80, 80, 3)
    dtype, ndim, lo, hi = luminance_method[0]
    assert dtype == np.float64 and ndim == 2 and 0 <= lo and hi <= 1
    # Y by the method + CbCr by bicubic, with an identity method, is ~ bicubic RGB
    assert np.abs(out.astype(int) - classicsr.upscale(img, 2).astype(int)).max() <= 2


def test_luminance_method_grey_stays_grey(luminance_method):
    grey = data.camera()[:30, :30]
    out = classicsr.upscale(grey, 2, method="_test_lum", gain=1.0)
    assert out.shape == (60, 60) and out.dtype == np.uint8
    with pytest.raises(ValueError, match="scale=3 is not supported; accepted: 2"):
        classicsr.upscale(grey, 3, method="_test_lum")


def test_luminance_method_rgba_keeps_alpha(luminance_method):
    rgba = np.dstack([data.astronaut()[:20, :20], np.full((20, 20), 200, np.uint8)])
    out = classicsr.upscale(rgba, 2, method="_test_lum")
    assert out.shape == (40, 40, 4) and (out[..., 3] == 200).all()


def test_duplicate_registration_refused():
    with pytest.raises(ValueError, match="already registered"):
        register_method("bicubic", description="x", reference="x")


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, classicsr; "
            "print(','.join(m for m in ('numba', 'scipy', 'skimage', 'sklearn', 'cv2') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("side", [1, 2, 4, 5, 6])
def test_every_method_takes_tiny_images(side):
    """Images smaller than a patch (1x1 up to 6 pixels) give the bicubic-like
    result instead of an error (zeyde had no patches to code; ScSR's grid of
    one repeated row divided by zero in its overlap-add)."""
    from classicsr._dispatch import usable_methods

    img = np.random.default_rng(side).integers(0, 256, (side, side + 3), dtype=np.uint8)
    for scale in (2, 3, 4):
        for method in usable_methods(scale):
            out = classicsr.upscale(img, scale, method=method)
            assert out.shape == (side * scale, (side + 3) * scale), (method, scale)
