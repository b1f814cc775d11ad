"""Side-by-side comparison figures with zoomed crops (matplotlib, no display)."""

import io

import numpy as np

from ._image import from_unit, to_unit

__all__ = ["as_uint8", "comparison_figure", "figure_png"]


def _crop_box(shape, crop):
    h, w = shape[:2]
    if crop is None:
        size = max(8, min(h, w) // 4)
        top, left = (h - size) // 2, (w - size) // 2
        return top, left, size, size
    return crop


def comparison_figure(panels, *, crop=None, columns=None):
    """Render panels of equally-sized images with a zoomed crop under each.

    Parameters
    ----------
    panels : list of (title, ndarray)
        Images of one shape, uint8, greyscale or RGB.
    crop : tuple (top, left, height, width), optional
        Region to zoom; the centre quarter by default.
    columns : int, optional
        Panels per row (all in one row by default).

    Returns
    -------
    bytes
        The figure as PNG.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    n = len(panels)
    columns = columns or n
    rows = -(-n // columns)
    top, left, ch, cw = _crop_box(panels[0][1].shape, crop)
    fig, axes = plt.subplots(2 * rows, columns, figsize=(2.6 * columns, 5.4 * rows),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for k, (title, img) in enumerate(panels):
        r, c = divmod(k, columns)
        cmap = "gray" if img.ndim == 2 else None
        full, zoom = axes[2 * r, c], axes[2 * r + 1, c]
        full.imshow(img, cmap=cmap, vmin=0, vmax=255, interpolation="nearest")
        full.add_patch(Rectangle((left - 0.5, top - 0.5), cw, ch, fill=False,
                                 edgecolor="yellow", linewidth=1.2))
        full.set_title(title, fontsize=8)
        zoom.imshow(img[top:top + ch, left:left + cw], cmap=cmap, vmin=0, vmax=255,
                    interpolation="nearest")
    fig.tight_layout()
    return figure_png(fig)


def figure_png(fig, dpi=110):
    """A matplotlib figure as PNG bytes; the figure is closed."""
    from matplotlib import pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def as_uint8(img):
    """An image as uint8 for display (uint16 and float in [0, 1] are rescaled)."""
    if img.dtype == np.uint8:
        return img
    return from_unit(to_unit(img), np.uint8)
