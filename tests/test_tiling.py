"""classicsr.upscale's memory bound and automatic tiling (issue 14).

Tiles are upscaled with the registry halo of LR context; for integer images
the result must equal the untiled one bit for bit (small tiles forced with
``tile=`` on images where the untiled run fits).
"""

import time

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr import _tiling
from classicsr._dispatch import check_upscale_call
from classicsr._tiling import (TILE_MEMORY, default_max_memory, estimate_memory, parse_memory,
                               plan)
from classicsr.cli import main
from classicsr.modelstore import has_shipped_model
from classicsr.registry import (get_method, missing_requirements, register_method,
                                unregister_method)

IMG = np.ascontiguousarray(data.astronaut()[100:190, 150:260])
GIB = 1 << 30


def _methods(scale):
    for name, info in classicsr.available_methods().items():
        if info.model is not None and not has_shipped_model(info.model, scale):
            continue
        if missing_requirements(info) or info.memory is None:
            continue  # (memory None: a whole-image method, never tiled)
        yield name


def _image_for(method):
    # ScSR is slow and its halo is 32: a smaller crop, still several tiles
    return IMG[:64, :72] if method == "scsr" else IMG


# --- tiled == untiled -----------------------------------------------------------------

@pytest.mark.parametrize("method", list(_methods(2)))
def test_every_method_tiled_equals_untiled_x2(method):
    img = _image_for(method)
    whole = classicsr.upscale(img, 2, method, tile=False)
    for tile in ((24,) if method == "scsr" else (20, 37)):
        how = plan(get_method(method), img.shape, img.dtype, 2, None, 8 * GIB, tile)
        assert how.tiled and how.n_tiles >= 4
        np.testing.assert_array_equal(classicsr.upscale(img, 2, method, tile=tile), whole)


@pytest.mark.parametrize("scale", [3, 4])
@pytest.mark.parametrize("method", list(_methods(3)))
def test_every_method_tiled_equals_untiled_x3_x4(method, scale):
    """Integer-scale resize weights repeat per phase (classicsr.resize.weights), so a
    tile gets exactly the whole image's weights: NE+LLE's choice of atoms no longer
    flips at x3 (it did when the weights came from tile-local x / 3)."""
    info = get_method(method)
    if info.model is not None and not has_shipped_model(info.model, scale):
        pytest.skip(f"no {method} x{scale}")
    img = _image_for(method)
    whole = classicsr.upscale(img, scale, method, tile=False)
    tile = 24 if method == "scsr" else 23
    np.testing.assert_array_equal(classicsr.upscale(img, scale, method, tile=tile), whole)


@pytest.mark.parametrize("layout", ["grey", "grey3d", "rgba", "uint16"])
@pytest.mark.parametrize("method", ["bicubic", "aplus"])
def test_layouts_and_dtypes(layout, method):
    img = {"grey": IMG[..., 1], "grey3d": IMG[..., 1:2],
           "rgba": np.dstack([IMG, IMG[..., :1]]),
           "uint16": IMG.astype(np.uint16) * 257 + 3}[layout]
    whole = classicsr.upscale(img, 2, method, tile=False)
    tiled = classicsr.upscale(img, 2, method, tile=25)
    assert tiled.dtype == whole.dtype and tiled.shape == whole.shape
    np.testing.assert_array_equal(tiled, whole)


@pytest.mark.parametrize("method", ["bicubic", "aplus"])
def test_backprojection_tiles_with_a_larger_halo(method):
    info = get_method(method)
    how = plan(info, IMG.shape, IMG.dtype, 2, 20, 8 * GIB, 30)
    assert how.halo == info.halo + _tiling.backprojection_halo(20) and how.tiled
    whole = classicsr.upscale(IMG, 2, method, backprojection=True, tile=False)
    np.testing.assert_array_equal(
        classicsr.upscale(IMG, 2, method, backprojection=True, tile=30), whole)


def test_float_images_agree_to_rounding():
    # x2 and x4: tile coordinates are exact (dyadic); x3: MATLAB's resize weights
    # come from tile-local coordinates, x / 3 rounds differently at another offset.
    img = IMG / 255.0
    for scale, method in ((2, "aplus"), (3, "aplus"), (3, "lanczos3")):
        whole = classicsr.upscale(img, scale, method, tile=False)
        np.testing.assert_allclose(classicsr.upscale(img, scale, method, tile=21), whole,
                                   rtol=0, atol=1e-12)
    f32 = img.astype(np.float32)
    np.testing.assert_array_equal(classicsr.upscale(f32, 2, "bicubic", tile=21),
                                  classicsr.upscale(f32, 2, "bicubic", tile=False))


def test_large_images_are_tiled_automatically(monkeypatch):
    # a 1 MiB tile budget makes this small image "large"
    monkeypatch.setattr(_tiling, "TILE_MEMORY", 1 << 20)
    info = get_method("aplus")
    how = plan(info, IMG.shape, IMG.dtype, 2, None, 8 * GIB)
    assert how.tiled and how.n_tiles > 1
    calls = []
    original = _tiling.run_tiled

    def spy(*args):
        calls.append(args[2])
        return original(*args)

    monkeypatch.setattr("classicsr._dispatch.run_tiled", spy)
    out = classicsr.upscale(IMG, 2, "aplus")
    assert calls and calls[0].tiled
    np.testing.assert_array_equal(out, classicsr.upscale(IMG, 2, "aplus", tile=False))


# --- tile sizing ----------------------------------------------------------------------

def test_a_24_megapixel_photo_is_planned_within_2_gb():
    info = get_method("aplus")
    untiled = estimate_memory(info, (4000, 6000, 3), np.uint8, 2, None)
    assert untiled > 10 * GIB  # what it used to need
    how = plan(info, (4000, 6000, 3), np.uint8, 2, None, 8 * GIB)
    out_bytes = 3 * 8000 * 12000
    assert how.tiled and how.memory - out_bytes <= TILE_MEMORY
    assert how.memory < 1.5e9
    # tiles large enough that the 8-pixel halo costs little
    rows, cols = np.diff(how.rows), np.diff(how.cols)
    assert min(rows.min(), cols.min()) >= 256


def test_scsr_tiles_despite_its_large_halo():
    info = get_method("scsr")
    assert info.halo >= 32
    how = plan(info, (3000, 3000), np.uint8, 2, None, 8 * GIB)
    assert how.tiled and how.memory - 9000 * 4000 <= TILE_MEMORY + info.memory_fixed
    assert np.diff(how.rows).min() >= 8 * info.halo  # the halo is not most of a tile


def test_interpolation_of_integer_images_needs_about_its_output():
    info = get_method("bicubic")
    how = plan(info, (8000, 8000, 3), np.uint8, 2, None, 8 * GIB)
    out_bytes = 3 * 16000 ** 2
    assert how.memory < 1.5 * out_bytes
    # float images are tiled: 8 bytes per sample plus the resize's second pass
    how = plan(info, (8000, 8000, 3), np.float64, 2, None, 32 * GIB)
    assert how.tiled and how.memory - 8 * out_bytes <= TILE_MEMORY


def test_untileable_calls_run_in_one_piece():
    # non-integer scales (MATLAB's intermediate rounding has exact ties there)
    assert not plan(get_method("bicubic"), IMG.shape, IMG.dtype, 1.5, None, GIB, 10).tiled
    calls = []

    @register_method("test_untiled", description="-", reference="-", channels="luminance",
                     halo=4)
    def _twice(y, scale):
        calls.append(y.shape)
        return y.repeat(scale, 0).repeat(scale, 1)

    try:
        out = classicsr.upscale(IMG, 2, "test_untiled", tile=10)
        assert out.shape == (180, 220, 3) and calls == [IMG.shape[:2]]
        with pytest.raises(ValueError, match="has no measured memory"):
            classicsr.upscale(IMG, 2, "test_untiled", tile=10, max_memory="100KB")
    finally:
        unregister_method("test_untiled")


# --- the memory bound -----------------------------------------------------------------

def test_absurd_outputs_are_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"x1000000 with bicubic gives a 8000000x8000000x3 "
                                         r"output .* more than the memory bound"):
        classicsr.upscale(IMG[:8, :8], 1_000_000)
    with pytest.raises(ValueError, match="more than the memory bound of 1 MiB"):
        classicsr.upscale(IMG, 4, "aplus", max_memory="1MB")
    with pytest.raises(ValueError, match="max_memory"):
        classicsr.upscale(IMG, 1000.5, "bicubic")  # refused by size, untileable scale
    assert time.perf_counter() - start < 5


def test_a_small_bound_tiles_instead_of_refusing():
    info = get_method("aplus")
    whole = estimate_memory(info, IMG.shape, IMG.dtype, 2, None)
    bound = whole // 3
    how = plan(info, IMG.shape, IMG.dtype, 2, None, bound)
    assert how.tiled and how.memory <= bound
    np.testing.assert_array_equal(classicsr.upscale(IMG, 2, "aplus", max_memory=bound),
                                  classicsr.upscale(IMG, 2, "aplus", tile=False))
    with pytest.raises(ValueError, match="memory bound"):
        classicsr.upscale(IMG, 2, "aplus", max_memory=bound, tile=False)


def test_parse_memory():
    assert parse_memory("4GB") == parse_memory("4 GiB") == parse_memory("4g") == 4 * GIB
    assert parse_memory("512MB") == 512 << 20 and parse_memory("1.5k") == 1536
    assert parse_memory(1e9) == 10 ** 9 and parse_memory("1e9") == 10 ** 9
    for bad in ("4XB", "", "GB", "-1GB", "nan"):
        with pytest.raises(ValueError, match="max_memory must be"):
            parse_memory(bad)
    for bad in (0, -5, float("inf")):
        with pytest.raises(ValueError, match="at least 1 byte"):
            parse_memory(bad)
    with pytest.raises(TypeError, match="max_memory must be a number of bytes"):
        parse_memory(True)
    with pytest.raises(TypeError):
        parse_memory([4])


def test_default_bound(monkeypatch):
    monkeypatch.delenv(_tiling.MEMORY_ENV, raising=False)
    bound = default_max_memory()
    assert 0 < bound <= 8 * GIB
    available = _tiling.available_memory()
    if available is not None:
        assert bound <= 0.6 * available + 1
    monkeypatch.setenv(_tiling.MEMORY_ENV, "3GB")
    assert default_max_memory() == 3 * GIB
    with pytest.raises(ValueError, match="memory bound of 3 GiB"):
        classicsr.upscale(IMG[:8, :8], 100_000)
    monkeypatch.setenv(_tiling.MEMORY_ENV, "lots")
    with pytest.raises(ValueError, match="CLASSICSR_MAX_MEMORY must be"):
        default_max_memory()


def test_options_are_checked_before_any_image():
    check_upscale_call("aplus", 2, {"max_memory": "2GB", "tile": 64})
    with pytest.raises(ValueError, match="max_memory must be"):
        check_upscale_call("aplus", 2, {"max_memory": "2XB"})
    with pytest.raises(TypeError, match="tile must be None, False or an integer"):
        check_upscale_call("aplus", 2, {"tile": 2.5})
    with pytest.raises(ValueError, match="tile must be"):
        classicsr.upscale(IMG, 2, "aplus", tile=0)


def test_cli_refuses_in_one_line_and_writes_nothing(tmp_path, capsys):
    from classicsr.io import read_image, write_image

    src, dst = tmp_path / "small.png", tmp_path / "big.png"
    write_image(src, IMG[:16, :16])
    assert main(["upscale", str(src), str(dst), "--scale", "1000000"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--max-memory" in err and "memory bound" in err
    assert not dst.exists()
    assert main(["upscale", str(src), str(dst), "--scale", "4", "--max-memory", "2XB"]) == 1
    assert "max_memory must be" in capsys.readouterr().err
    assert main(["upscale", str(src), str(dst), "--scale", "4", "--max-memory", "1GB"]) == 0
    np.testing.assert_array_equal(read_image(dst), classicsr.upscale(IMG[:16, :16], 4))
