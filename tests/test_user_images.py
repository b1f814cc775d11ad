"""Image files as people have them: read upright and whole, or refused in one line.

Every file is made by the test itself (Pillow, OpenCV, tifffile), small and
non-square so that a transposition shows. Each case checks what
:func:`classicsr.io.read_image` returns, what ``classicsr upscale`` does
with it (exit 0 and a readable output, or exit 1, one stderr line naming
the file and no output left behind), and :func:`classicsr.io.write_image`
round trips (uint16 to 8-bit formats divided by 257 and rounded, float to a
float32 TIFF exactly).
"""

import io
import re
import warnings

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

import classicsr
from classicsr.cli import main
from classicsr.io import (
    PrecisionLossWarning,
    check_output,
    read_image,
    read_metadata,
    write_image,
)

H, W = 12, 17
RGB = np.random.default_rng(7).integers(0, 256, (H, W, 3), dtype=np.uint8)
#: A smooth RGB image: JPEG keeps it within a few levels.
SMOOTH = np.clip(np.add.outer(np.arange(H) * 9, np.arange(W) * 6)[:, :, None]
                 + np.array([20, 60, 100]), 0, 255).astype(np.uint8)
U16 = RGB.astype(np.uint16) * 256 + RGB[::-1, ::-1]
U16_SMOOTH = SMOOTH.astype(np.uint16) * 256 + 77
UNIT = RGB / 255.0

#: Pillow's transposition of each EXIF orientation (ImageOps.exif_transpose), and
#: its inverse, which makes the stored pixels of a file displayed as the source.
_T = Image.Transpose
_SHOWN = {2: _T.FLIP_LEFT_RIGHT, 3: _T.ROTATE_180, 4: _T.FLIP_TOP_BOTTOM, 5: _T.TRANSPOSE,
          6: _T.ROTATE_270, 7: _T.TRANSVERSE, 8: _T.ROTATE_90}
_STORED = {**_SHOWN, 6: _T.ROTATE_90, 8: _T.ROTATE_270}
_SUFFIX = {"JPEG": "jpg", "PNG": "png", "TIFF": "tif"}


def _tiff(path, img, **options):
    """Write ``img`` with tifffile (RGB when it has 3 channels), or skip without it."""
    tifffile = pytest.importorskip("tifffile", reason="tifffile writes the float TIFF fixtures")
    photometric = "rgb" if img.ndim == 3 and img.shape[-1] == 3 else "minisblack"
    tifffile.imwrite(path, img, **{"photometric": photometric, **options})
    return path


def _save(img, path, **options):
    (img if isinstance(img, Image.Image) else Image.fromarray(img)).save(path, **options)
    return path


def _cv2_write(img, path):
    import cv2

    ok, buffer = cv2.imencode(path.suffix, img[:, :, ::-1] if img.ndim == 3 else img)
    assert ok
    path.write_bytes(buffer.tobytes())
    return path


def _oriented(fmt, orientation, shown=SMOOTH):
    """A ``fmt`` file whose stored pixels, turned by ``orientation``, show ``shown``."""
    def make(folder):
        stored = Image.fromarray(shown)
        if orientation != 1:
            stored = stored.transpose(_STORED[orientation])
        exif = stored.getexif()
        exif[0x0112] = orientation
        path = folder / f"o{orientation}_{shown.shape[-1]}.{_SUFFIX[fmt]}"
        stored.save(path, format=fmt, exif=exif, **({"quality": 95} if fmt == "JPEG" else {}))
        return path, shown, 4 if fmt == "JPEG" else 0
    return make


def _oriented_float_tiff(orientation):
    """A float32 TIFF (decoded by OpenCV) turned by ``orientation`` to show UNIT."""
    def make(folder):
        stored = np.asarray(Image.fromarray(RGB).transpose(_STORED[orientation])) / 255.0
        path = folder / f"o{orientation}_float.tif"
        _tiff(path, stored.astype(np.float32), extratags=[(274, "H", 1, orientation, True)])
        return path, UNIT.astype(np.float32), 0
    return make


def _cmyk_jpeg(folder):
    return _save(Image.fromarray(SMOOTH).convert("CMYK"), folder / "cmyk.jpg",
                 quality=95), SMOOTH, 4


def _palette(folder):
    pil = Image.fromarray(RGB).convert("P")
    return _save(pil, folder / "palette.png"), np.asarray(pil.convert("RGB")), 0


def _palette_transparent(folder):
    pil = Image.fromarray(RGB).convert("P")
    path = _save(pil, folder / "palette_t.png", transparency=0)
    return path, np.asarray(Image.open(path).convert("RGBA")), 0


def _grey_alpha(suffix):
    def make(folder):
        la = np.dstack([RGB[:, :, 0], RGB[:, :, 1]])
        path = _save(la, folder / f"la{suffix}")
        return path, la[:, :, [0, 0, 0, 1]], 0
    return make


def _rgba_tiff(folder):
    rgba = np.dstack([RGB, RGB[:, :, 1]])  # Pillow: unassociated alpha
    return _save(rgba, folder / "rgba.tif"), rgba, 0


def _one_bit(folder):
    bits = RGB[:, :, 0] > 127
    return _save(bits, folder / "bits.png"), np.where(bits, 255, 0).astype(np.uint8), 0


def _png16(channels):
    def make(folder):
        img = U16 if channels == 3 else U16[:, :, 0]
        return _cv2_write(img, folder / f"u16_{channels}.png"), img, 0
    return make


def _float_tiff(dtype, channels):
    def make(folder):
        img = (UNIT if channels == 3 else UNIT[:, :, 0]).astype(dtype)
        path = folder / f"{np.dtype(dtype).name}_{channels}.tif"
        return _tiff(path, img), img, 0
    return make


def _multipage(folder):
    path = folder / "pages.tif"
    return _tiff(path, np.stack([RGB, RGB[::-1], RGB[:, ::-1]]), photometric="rgb"), RGB, 0


def _simple(name, img, **options):
    def make(folder):
        return _save(img, folder / name, **options), img, 0
    return make


#: name -> make(folder) -> (path, expected image, tolerance of the mean |difference|)
READABLE = {
    "png 8-bit RGB": _simple("rgb.png", RGB),
    "png 16-bit RGB": _png16(3),
    "png 16-bit grey": _png16(1),
    "png palette": _palette,
    "png palette + transparency": _palette_transparent,
    "png grey + alpha": _grey_alpha(".png"),
    "png 1-bit": _one_bit,
    "tiff 8-bit grey + alpha": _grey_alpha(".tif"),
    "tiff 8-bit RGBA unassociated": _rgba_tiff,
    "jpeg CMYK": _cmyk_jpeg,
    "tiff float32 grey": _float_tiff(np.float32, 1),
    "tiff float32 RGB": _float_tiff(np.float32, 3),
    "tiff float64 grey": _float_tiff(np.float64, 1),
    "tiff float64 RGB": _float_tiff(np.float64, 3),
    "tiff multi-page": _multipage,
    "bmp": _simple("rgb.bmp", RGB),
    "1x1": _simple("one.png", RGB[:1, :1]),
    "5x5": _simple("five.png", RGB[:5, :5]),
    "non-ASCII name with spaces": _simple("été à Zürich 東京 photo.png", RGB),
    **{f"{fmt.lower()} orientation {o}": _oriented(fmt, o)
       for fmt in ("JPEG", "PNG", "TIFF") for o in range(1, 9)},
    # 8-bit RGBA TIFFs are decoded by Pillow, float TIFFs by OpenCV: each turned once.
    **{f"tiff RGBA orientation {o}": _oriented("TIFF", o, np.dstack([SMOOTH, RGB[:, :, 0]]))
       for o in range(2, 9)},
    **{f"tiff float32 orientation {o}": _oriented_float_tiff(o) for o in range(2, 9)},
}


def _write(folder, name, data):
    path = folder / name
    path.write_bytes(data)
    return path


def _float_255(folder):
    return _tiff(folder / "float255.tif", (UNIT * 255).astype(np.float32))


def _float_nan(folder):
    img = UNIT.astype(np.float32)
    img[0, 0, 0] = np.nan
    return _tiff(folder / "nan.tif", img)


def _grey_alpha_16(folder):
    return _tiff(folder / "la16.tif", np.dstack([U16[:, :, 0], U16[:, :, 1]]),
                 extrasamples=["unassalpha"], planarconfig="contig")


def _truncated(folder):
    buffer = io.BytesIO()
    Image.fromarray(RGB).save(buffer, format="PNG")
    return _write(folder, "truncated.png", buffer.getvalue()[:200])


#: name -> (make(folder) -> path, what the one-line error says)
UNREADABLE = {
    "corrupt png": (lambda f: _write(f, "corrupt.png", b"\x89PNG\r\n\x1a\n" + b"junk" * 9),
                    "cannot decode"),
    "truncated png": (_truncated, "cannot decode"),
    "empty file": (lambda f: _write(f, "empty.jpg", b""), "cannot decode"),
    "text named .jpg": (lambda f: _write(f, "notes é.jpg", b"hello"), "cannot decode"),
    "float TIFF on 0-255": (_float_255, "divide it by 255"),
    "float TIFF with NaN": (_float_nan, "NaN"),
    "16-bit grey + alpha TIFF": (_grey_alpha_16, "grey + alpha TIFF"),
}


@pytest.fixture()
def folder(tmp_path):
    path = tmp_path / "in put"
    path.mkdir()
    return path


@pytest.mark.parametrize("case", sorted(READABLE))
def test_read(case, folder):
    path, expected, tolerance = READABLE[case](folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        img = read_image(path)
    assert img.shape == expected.shape and img.dtype == expected.dtype
    difference = np.abs(img.astype(np.float64) - expected)
    assert difference.mean() <= tolerance
    if not tolerance:
        np.testing.assert_array_equal(img, expected)
    pages = [str(w.message) for w in caught if "pages" in str(w.message)]
    assert pages == ([f"'{path}' has 3 pages; only the first is read"]
                     if case == "tiff multi-page" else [])


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_as_pillow(fmt, orientation, folder):
    path, _, _ = _oriented(fmt, orientation)(folder)
    shown = np.asarray(ImageOps.exif_transpose(Image.open(path)))
    assert np.abs(read_image(path).astype(int) - shown).max() <= (1 if fmt == "JPEG" else 0)


def test_cmyk_close_to_pillow(folder):
    path, _, _ = _cmyk_jpeg(folder)
    pillow = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert np.abs(read_image(path).astype(int) - pillow).mean() < 2


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable(case, folder):
    make, message = UNREADABLE[case]
    path = make(folder)
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        read_image(path)
    assert str(path) in str(info.value)


def _one_line_error(capsys, *words):
    """The command's stderr is one error line (after any progress bar) with ``words``."""
    err = capsys.readouterr().err.strip()
    lines = [line for line in err.splitlines() if line.startswith("classicsr")]
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0] == err.splitlines()[-1] and "error:" in lines[0], err
    assert all(w in lines[0] for w in words), err
    return lines[0]


#: Every readable case but the orientations other than 1 and 6 (the CLI reads as read_image).
CLI_CASES = [c for c in READABLE if "orientation" not in c or c.endswith((" 1", " 6"))]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_upscale_reads_every_file(case, folder, capsys):
    path, expected, _ = READABLE[case](folder)
    out = folder / f"out {case}.{'tif' if expected.dtype.kind == 'f' else 'png'}"
    assert main(["upscale", str(path), str(out), "--scale", "2"]) == 0, capsys.readouterr().err
    err = capsys.readouterr().err.strip()
    if case == "tiff multi-page":
        assert err == f"classicsr upscale: warning: '{path}' has 3 pages; only the first is read"
    else:
        assert err == ""
    result = read_image(out)
    assert result.shape[:2] == (2 * expected.shape[0], 2 * expected.shape[1])
    assert result.dtype == (np.float32 if expected.dtype.kind == "f" else expected.dtype)
    assert result.ndim == expected.ndim


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_cli_upscale_refuses_in_one_line(case, folder, capsys):
    make, message = UNREADABLE[case]
    path = make(folder)
    out = folder / "out.png"
    assert main(["upscale", str(path), str(out), "--scale", "2"]) == 1
    _one_line_error(capsys, message, str(path))
    assert not out.exists() and not list(folder.glob(".*.tmp"))


@pytest.mark.parametrize("method", ["zeyde", "scsr"])
def test_cli_small_inputs(method, folder, capsys):
    """1x1 and 5x5 inputs: an output, or one line (see the minimum-size report)."""
    for case in ("1x1", "5x5"):
        path, _, _ = READABLE[case](folder)
        out = folder / f"{method}-{case}.png"
        status = main(["upscale", str(path), str(out), "--scale", "2", "--method", method])
        err = capsys.readouterr().err.strip()
        assert "Traceback" not in err and len(err.splitlines()) <= 1
        assert out.exists() == (status == 0)


# -- the output: checked before computing, converted as documented --------------------------


def test_uint16_to_jpeg_notes_first_and_writes_8_bits(folder, capsys):
    path = _cv2_write(U16_SMOOTH, folder / "u16.png")
    out = folder / "sr.jpg"
    assert main(["upscale", str(path), str(out), "--scale", "2"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [("classicsr upscale: note: JPEG holds 8-bit samples: the uint16 image is "
                    "divided by 257 and rounded to uint8")]
    expected = np.floor(classicsr.upscale(U16_SMOOTH, 2) / 257 + 0.5)
    result = read_image(out)
    assert result.dtype == np.uint8 and np.abs(result - expected).mean() < 2  # not saturated


def test_float_tiff_cli_gives_float32_tiff(folder, capsys):
    path, img, _ = _float_tiff(np.float64, 3)(folder)
    out = folder / "sr.tif"
    assert main(["upscale", str(path), str(out), "--scale", "2", "--method", "lanczos3"]) == 0
    assert capsys.readouterr().err == ""
    result = read_image(out)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, classicsr.upscale(img, 2, "lanczos3").astype(np.float32))


def test_float_to_png_is_16_bit(folder, capsys):
    path, img, _ = _float_tiff(np.float32, 3)(folder)
    out = folder / "sr.png"
    assert main(["upscale", str(path), str(out), "--scale", "2"]) == 0
    assert "PNG holds 16-bit samples" in capsys.readouterr().err
    sr = classicsr.upscale(img, 2).astype(np.float64)
    np.testing.assert_array_equal(read_image(out),
                                  np.clip(np.floor(sr * 65535 + 0.5), 0, 65535))


@pytest.mark.parametrize("output, message", [
    ("out.gif", "unknown image suffix"),
    ("a folder.png", "it is a folder"),
    ("exists.png", "exists; use --overwrite"),
    ("file/out.png", "is not a folder"),
])
def test_output_refused_before_computing(output, message, folder, capsys, monkeypatch):
    path = _save(RGB, folder / "in.png")
    (folder / "a folder.png").mkdir()
    (folder / "exists.png").write_bytes(b"mine")
    (folder / "file").write_bytes(b"")
    monkeypatch.setattr("classicsr._dispatch.upscale", lambda *a, **k: pytest.fail("computed"))
    assert main(["upscale", str(path), str(folder / output), "--scale", "2"]) == 1
    _one_line_error(capsys, message)
    assert (folder / "exists.png").read_bytes() == b"mine"


def test_uint16_round_trip_to_8_bit_formats_is_divided_by_257(folder):
    every = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    expected = np.floor(every / 257 + 0.5).astype(np.uint8)  # half away from zero
    with pytest.warns(PrecisionLossWarning, match="divided by 257"):
        write_image(folder / "all.bmp", every)
    np.testing.assert_array_equal(read_image(folder / "all.bmp"), expected)
    with pytest.warns(PrecisionLossWarning, match="JPEG holds 8-bit"):
        write_image(folder / "u16.jpg", U16_SMOOTH)
    jpeg = read_image(folder / "u16.jpg").astype(int)
    assert np.abs(jpeg - np.floor(U16_SMOOTH / 257 + 0.5)).mean() < 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_float_round_trip_is_a_float32_tiff(dtype, channels, folder):
    img = np.random.default_rng(1).uniform(-0.2, 1.3, (H, W, channels)).astype(dtype)
    img = img[:, :, 0] if channels == 1 else img
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stored as it is: no warning
        write_image(folder / "f.tiff", img)
    back = read_image(folder / "f.tiff")
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, img.astype(np.float32))


def test_float_and_alpha_to_formats_that_cannot_hold_them(folder):
    img = np.dstack([UNIT, UNIT[:, :, :1]])
    with pytest.warns(PrecisionLossWarning, match="clipped to"):
        write_image(folder / "f.png", img)
    np.testing.assert_array_equal(read_image(folder / "f.png"),
                                  np.floor(img * 65535 + 0.5).astype(np.uint16))
    with pytest.warns(PrecisionLossWarning, match="alpha is dropped"):
        write_image(folder / "f.jpg", img)
    assert read_image(folder / "f.jpg").shape == (H, W, 3)
    assert check_output(folder / "x.jpeg", np.uint16, 4) == (
        "JPEG holds 8-bit samples: the uint16 image is divided by 257 and rounded to uint8; "
        "JPEG holds no alpha channel: alpha is dropped")
    assert check_output(folder / "x.tif", np.float64, 3) is None


def _srgb_profile():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def test_icc_profile_and_dpi_kept_by_upscale(folder, capsys):
    icc = _srgb_profile()
    photo = _save(SMOOTH, folder / "photo.jpg", icc_profile=icc, dpi=(300, 300), quality=95)
    for suffix in (".jpg", ".png", ".tif"):
        out = folder / f"sr{suffix}"
        assert main(["upscale", str(photo), str(out), "--scale", "2"]) == 0
        kept = read_metadata(out)
        assert kept["icc_profile"] == icc
        assert np.allclose(kept["dpi"], (300, 300), atol=0.01)
    assert main(["upscale", str(photo), str(folder / "sr.bmp"), "--scale", "2"]) == 0
    assert read_metadata(folder / "sr.bmp") == {}


def test_icc_profile_of_another_colour_space_is_not_kept(folder):
    cmyk_profile = bytearray(_srgb_profile())
    cmyk_profile[16:20] = b"CMYK"
    write_image(folder / "a.png", RGB, metadata={"icc_profile": bytes(cmyk_profile)})
    assert "icc_profile" not in read_metadata(folder / "a.png")


def test_opencv_log_lines_do_not_leak(folder, capfd):
    corrupt = UNREADABLE["corrupt png"][0](folder)
    with pytest.raises(ValueError):
        read_image(corrupt)
    with pytest.raises(ValueError):
        read_image(_truncated(folder))
    with pytest.warns(PrecisionLossWarning):
        write_image(folder / "u16.bmp", U16)
    captured = capfd.readouterr()
    assert "WARN" not in captured.err and "ERROR" not in captured.err


# -- evaluate and train on float images: a result, or one line ------------------------------


@pytest.fixture()
def float_dataset(tmp_path):
    from skimage import data

    folder = tmp_path / "float set"
    folder.mkdir()
    crop = data.astronaut()[100:164, 100:180] / 255.0
    _tiff(folder / "rgb64.tif", crop)
    _tiff(folder / "grey32.tif", crop[:, :, 1].astype(np.float32))
    return folder


def test_cli_evaluate_float_images(float_dataset, capsys):
    status = main(["evaluate", "--method", "bicubic", "--dataset", str(float_dataset),
                   "--scale", "2"])
    if status:
        _one_line_error(capsys)
    else:
        assert "bicubic" in capsys.readouterr().out


def test_cli_train_float_images(float_dataset, tmp_path, capsys):
    out = tmp_path / "model.npz"
    status = main(["train", "zeyde", "--scale", "2", "--images", str(float_dataset),
                   "--out", str(out), "--ksvd-iter", "1"])
    if status:
        _one_line_error(capsys)
    assert out.exists() == (status == 0)
