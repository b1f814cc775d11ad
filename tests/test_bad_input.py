"""Every public function rejects bad input with a message naming the argument."""

import numpy as np
import pytest

import classicsr

GOOD = np.zeros((16, 16), np.uint8)
GOOD_RGB = np.zeros((16, 16, 3), np.uint8)

BAD_IMAGES = [
    ("list", [[1, 2], [3, 4]], TypeError, "numpy.ndarray"),
    ("nan", np.full((8, 8), np.nan), ValueError, "NaN or infinite"),
    ("inf", np.full((8, 8), np.inf, np.float32), ValueError, "NaN or infinite"),
    ("empty", np.zeros((0, 5), np.uint8), ValueError, "empty"),
    ("1-D", np.zeros(5, np.uint8), ValueError, r"shape \(H, W\)"),
    ("4-D", np.zeros((2, 4, 4, 3), np.uint8), ValueError, r"shape \(H, W\)"),
    ("2 channels", np.zeros((4, 4, 2), np.uint8), ValueError, "C in"),
    ("5 channels", np.zeros((4, 4, 5), np.uint8), ValueError, "C in"),
    ("complex", np.zeros((4, 4), np.complex128), TypeError, "dtype"),
    ("object", np.zeros((4, 4), object), TypeError, "dtype"),
    ("bool", np.zeros((4, 4), bool), TypeError, "dtype"),
    ("int32", np.zeros((4, 4), np.int32), TypeError, "dtype"),
]

BAD_SCALES = [
    ("zero", 0, ValueError, "finite number > 0"),
    ("negative", -2, ValueError, "finite number > 0"),
    ("nan", float("nan"), ValueError, "finite number > 0"),
    ("inf", float("inf"), ValueError, "finite number > 0"),
    ("string", "2", TypeError, "real number"),
    ("bool", True, TypeError, "real number"),
]

IMAGE_FUNCTIONS = {
    "imresize": lambda img: classicsr.imresize(img, 2),
    "upscale": lambda img: classicsr.upscale(img, 2),
    "degrade": lambda img: classicsr.degrade(img, 2),
    "modcrop": lambda img: classicsr.modcrop(img, 2),
    "psnr(reference)": lambda img: classicsr.psnr(img, GOOD),
    "ssim(test)": lambda img: classicsr.ssim(GOOD, img),
    "rgb2ycbcr": lambda img: classicsr.rgb2ycbcr(img),
    "ycbcr2rgb": lambda img: classicsr.ycbcr2rgb(img),
}


@pytest.mark.parametrize("function", sorted(IMAGE_FUNCTIONS))
@pytest.mark.parametrize("label, img, error, message", BAD_IMAGES,
                         ids=[b[0] for b in BAD_IMAGES])
def test_bad_images(function, label, img, error, message):
    with pytest.raises(error, match=message) as info:
        IMAGE_FUNCTIONS[function](img)
    argument = "test" if function.startswith("ssim") else (
        "reference" if function.startswith("psnr") else "img")
    assert argument in str(info.value)


SCALE_FUNCTIONS = {
    "imresize": lambda s: classicsr.imresize(GOOD, s),
    "upscale": lambda s: classicsr.upscale(GOOD, s),
    "degrade": lambda s: classicsr.degrade(GOOD, s),
}


@pytest.mark.parametrize("function", sorted(SCALE_FUNCTIONS))
@pytest.mark.parametrize("label, scale, error, message", BAD_SCALES,
                         ids=[b[0] for b in BAD_SCALES])
def test_bad_scales(function, label, scale, error, message):
    with pytest.raises(error, match=message) as info:
        SCALE_FUNCTIONS[function](scale)
    assert "scale" in str(info.value)


@pytest.mark.parametrize("call, error, message", [
    (lambda: classicsr.upscale(GOOD, None), TypeError, "scale must be a real number"),
    (lambda: classicsr.imresize(GOOD), ValueError, "exactly one of scale and output_shape"),
    (lambda: classicsr.imresize(GOOD, 2, output_shape=(4, 4)), ValueError, "exactly one"),
    (lambda: classicsr.imresize(GOOD, output_shape=(4,)), TypeError, "output_shape"),
    (lambda: classicsr.imresize(GOOD, output_shape=(0, 4)), ValueError, "output_shape"),
    (lambda: classicsr.imresize(GOOD, output_shape=(4.5, 4)), TypeError,
     "output_shape must be an integer >= 1, got float 4.5"),
    (lambda: classicsr.imresize(GOOD, 2, method="cubicle"), ValueError,
     "unknown method 'cubicle'; known: bicubic, bilinear, lanczos2, lanczos3, nearest"),
    (lambda: classicsr.imresize(GOOD, 2, method=3), TypeError, "method must be a string"),
    (lambda: classicsr.imresize(GOOD, 2, antialias="yes"), TypeError, "antialias"),
    (lambda: classicsr.upscale(GOOD, 2, method="srgan"), ValueError,
     "unknown method 'srgan'; known methods: " + ", ".join(classicsr.available_methods())),
    (lambda: classicsr.upscale(GOOD, 2, method="bicubic", sharpen=1), TypeError,
     "unknown option"),
    (lambda: classicsr.degrade(GOOD, 1.5), ValueError, "integer factor"),
    (lambda: classicsr.modcrop(np.zeros((2, 2), np.uint8), 3), ValueError, "smaller than"),
    (lambda: classicsr.psnr(GOOD, GOOD_RGB), ValueError, "same shape"),
    (lambda: classicsr.psnr(GOOD, GOOD.astype(np.uint16)), TypeError, "same dtype"),
    (lambda: classicsr.psnr(GOOD, GOOD, crop_border=-1), ValueError, "crop_border"),
    (lambda: classicsr.psnr(GOOD, GOOD, crop_border=8), ValueError, "crop_border"),
    (lambda: classicsr.psnr(GOOD, GOOD, data_range=0), ValueError, "data_range"),
    (lambda: classicsr.rgb2ycbcr(GOOD), ValueError, r"\(H, W, 3\)"),
    (lambda: classicsr.evaluate("bicubic", "x", scales=[]), ValueError, "at least one"),
    (lambda: classicsr.evaluate("bicubic", "x", scales=[2.5]), ValueError, "integer factor"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_input_is_never_modified():
    img = np.random.default_rng(0).integers(0, 256, (12, 10, 3), dtype=np.uint8)
    before = img.copy()
    from classicsr.modelstore import has_shipped_model

    for name, info in classicsr.available_methods().items():
        if not info.needs_model or has_shipped_model(info.model, 2):
            classicsr.upscale(img, 2, method=name)
    classicsr.imresize(img, 0.5)
    classicsr.psnr(img, img)
    np.testing.assert_array_equal(img, before)
