"""Image folders for evaluation and training, and the embedded default image.

Two layouts are understood:

* the SelfExSR layout of ``Set5`` / ``Set14``:
  ``DATASET/image_SRF_{s}/img_NNN_SRF_{s}_HR.png`` (and ``_LR.png``);
* a plain folder of HR images (PNG, JPEG, TIFF, BMP).

A dataset may be given as a folder path or as a name looked up in the data
root: ``$CLASSICSR_DATA`` if set, else a ``shared/data`` folder beside the
current directory or beside the source checkout.
"""

import os
from pathlib import Path

from .io import is_image_file, read_image

__all__ = ["ENV_VAR", "default_image", "find_data_root", "hr_images", "image_name",
           "list_images", "read_training_images", "resolve_dataset"]

ENV_VAR = "CLASSICSR_DATA"


def find_data_root():
    """Return the data root folder, or ``None`` when there is none.

    ``$CLASSICSR_DATA`` wins; otherwise ``../shared/data`` relative to the
    working directory, then relative to the source checkout.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for base in (Path.cwd(), here.parent):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def resolve_dataset(dataset, data_root=None):
    """Return the folder of ``dataset`` (a path, or a name under the data root)."""
    if not isinstance(dataset, (str, os.PathLike)):
        raise TypeError(f"dataset must be a path or a name, got {type(dataset).__name__}")
    path = Path(dataset)
    if path.is_dir():
        return path
    root = Path(data_root) if data_root is not None else find_data_root()
    if root is not None and (root / path).is_dir():
        return root / path
    where = f" or under the data root '{root}'" if root is not None else (
        f" (no data root: set {ENV_VAR})"
    )
    raise FileNotFoundError(f"dataset '{dataset}' is not a folder{where}")


def list_images(folder):
    """Sorted image files directly inside ``folder``."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.is_file() and is_image_file(p))


def hr_images(dataset_dir, scale):
    """HR image files of a dataset folder for ``scale`` (either layout)."""
    dataset_dir = Path(dataset_dir)
    srf = dataset_dir / f"image_SRF_{scale}"
    if srf.is_dir():
        files = [p for p in list_images(srf) if p.stem.endswith("_HR")]
    else:
        files = [p for p in list_images(dataset_dir) if not p.stem.endswith("_LR")]
    if not files:
        raise FileNotFoundError(f"no HR images found in '{dataset_dir}' for scale {scale}")
    return files


def image_name(path):
    """Short name of an image file (``img_001_SRF_2_HR.png`` -> ``img_001``)."""
    stem = Path(path).stem
    if "_SRF_" in stem:
        stem = stem.split("_SRF_")[0]
    return stem


def default_image():
    """The embedded default image: scikit-image's ``astronaut`` (512x512 RGB, uint8)."""
    from skimage import data

    return data.astronaut()


def read_training_images(folder, *, paper_luminance=False):
    """Every image of ``folder``, for ``fit`` of a trainable model.

    Parameters
    ----------
    folder : str or Path
    paper_luminance : bool
        Return the rounded Y of MATLAB's ``rgb2ycbcr`` of each 8-bit image
        (grey ``uint8``), as the papers' ``load_images.m`` trains; the
        shipped models were trained so. Otherwise the images as they are
        (the models take their float luminance).

    Raises
    ------
    FileNotFoundError
        If the folder does not exist or holds no image.
    """
    from ._image import luminance

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"training image folder '{folder}' does not exist")
    files = list_images(folder)
    if not files:
        raise FileNotFoundError(f"no images (PNG, JPEG, TIFF, BMP) in '{folder}'")
    images = [read_image(path) for path in files]
    if paper_luminance:
        images = [luminance(img) if img.dtype.kind == "u" else img for img in images]
    return images
