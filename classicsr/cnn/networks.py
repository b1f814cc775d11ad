"""SRCNN [1]_, FSRCNN [2]_ and ESPCN [3]_ as torch modules (for training and export only).

The networks use *valid* convolutions: they map a padded input to the
interior that every layer saw in full, so an output pixel depends only on the
input pixels within the network's receptive field. Inference pads the image
by :attr:`context` pixels (edge replication) and can then cut it into tiles
with that much overlap and get exactly the whole-image result.

References
----------
.. [1] C. Dong, C. C. Loy, K. He, X. Tang, "Learning a Deep Convolutional
   Network for Image Super-Resolution", ECCV 2014; "Image Super-Resolution
   Using Deep Convolutional Networks", IEEE TPAMI 38(2), 2016.
.. [2] C. Dong, C. C. Loy, X. Tang, "Accelerating the Super-Resolution
   Convolutional Neural Network", ECCV 2016.
.. [3] W. Shi, J. Caballero, F. Huszar, J. Totz, A. P. Aitken, R. Bishop,
   D. Rueckert, Z. Wang, "Real-Time Single Image and Video Super-Resolution
   Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR 2016.
"""

import math

import torch
from torch import nn

from ..registry import LEARNED_SCALES as SCALES

__all__ = ["ACTIVATIONS", "build_network", "deconv_geometry", "ESPCN", "FSRCNN", "NETWORKS",
           "SRCNN"]

#: Activations :class:`ESPCN` accepts (the paper uses tanh).
ACTIVATIONS = ("tanh", "relu")


def _check_positive_odd(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value % 2 == 0:
        raise ValueError(f"{name} must be a positive odd integer, got {value!r}")
    return value


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


class SRCNN(nn.Module):
    """SRCNN ``f1-f2-f3`` with ``n1``/``n2`` filters, on the bicubic-upscaled Y.

    Parameters
    ----------
    f1, f2, f3 : int
        Odd kernel sizes of the three layers (9-5-5 as in the TPAMI paper;
        9-1-5 is the ECCV base network).
    n1, n2 : int
        Number of filters of the first two layers (64 and 32).

    Attributes
    ----------
    context : int
        Pixels each side lost by the valid convolutions: an input of size
        ``(h + 2 * context, w + 2 * context)`` gives an ``(h, w)`` output.
    factor : int
        Output pixels per input pixel (1: SRCNN works at the HR resolution).
    """

    def __init__(self, f1=9, f2=5, f3=5, n1=64, n2=32):
        super().__init__()
        f1, f2, f3 = (_check_positive_odd(n, v) for n, v in (("f1", f1), ("f2", f2), ("f3", f3)))
        n1, n2 = _check_positive("n1", n1), _check_positive("n2", n2)
        self.config = {"f1": f1, "f2": f2, "f3": f3, "n1": n1, "n2": n2}
        self.conv1 = nn.Conv2d(1, n1, f1)
        self.conv2 = nn.Conv2d(n1, n2, f2)
        self.conv3 = nn.Conv2d(n2, 1, f3)
        self.context = (f1 - 1) // 2 + (f2 - 1) // 2 + (f3 - 1) // 2
        self.factor = 1
        self.method = "srcnn"
        self.reset_parameters()

    def reset_parameters(self):
        """He initialisation of the ReLU layers, N(0, 0.001) for the last (as the paper)."""
        for conv in (self.conv1, self.conv2):
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)
        nn.init.normal_(self.conv3.weight, std=1e-3)
        nn.init.zeros_(self.conv3.bias)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        return self.conv3(x)


def deconv_geometry(scale, kernel=9):
    """Padding, output padding and LR crop of FSRCNN's deconvolution at ``scale``.

    The padding ``p`` and output padding ``q`` make a feature map of size
    ``n`` give exactly ``scale * n`` outputs, with the kernel centred as near
    as the integer grid allows to the HR pixels of each LR pixel. ``crop`` is
    the number of LR pixels each side whose outputs miss contributions from
    beyond the feature map; they are cut off, so the network's output is the
    part every layer saw in full.

    Returns
    -------
    padding, output_padding, crop : int
    """
    # outputs y = scale * j + k - p for j in [0, n), k in [0, kernel)
    padding = (kernel - scale + 1) // 2
    output_padding = 2 * padding - kernel + scale
    if not 0 <= output_padding < scale:
        raise ValueError(f"no deconvolution geometry for scale {scale} and kernel {kernel}")
    # left: the first kept output y = scale*crop needs j = ceil((y + p - k + 1) / s) >= 0
    # right: the last kept output needs floor((y + p) / s) <= n - 1
    left = max(0, math.floor((kernel - 1 - padding) / scale - 1) + 1)
    right = max(0, math.floor((padding - 1) / scale) + 1)
    return padding, output_padding, max(left, right)


class FSRCNN(nn.Module):
    """FSRCNN(d, s, m) at ``scale``, on the LR Y channel.

    Feature extraction 5x5 (d filters), shrinking 1x1 (s), ``m`` mapping
    layers 3x3 (s), expanding 1x1 (d), PReLU after each, and a 9x9
    deconvolution with stride ``scale``.

    Parameters
    ----------
    scale : int
        Upscaling factor (2, 3 or 4).
    d, s, m : int
        56, 12 and 4 in the paper.

    Attributes
    ----------
    context : int
        LR pixels each side that the valid convolutions and the cut of the
        deconvolution's incomplete border remove: an LR input of size
        ``(h + 2 * context, w + 2 * context)`` gives ``(scale * h, scale * w)``.
    factor : int
        Output pixels per input pixel (``scale``).
    """

    def __init__(self, scale, d=56, s=12, m=4):
        super().__init__()
        if isinstance(scale, bool) or scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
        d, s = _check_positive("d", d), _check_positive("s", s)
        if isinstance(m, bool) or not isinstance(m, int) or m < 0:
            raise ValueError(f"m must be a non-negative integer, got {m!r}")
        self.config = {"scale": scale, "d": d, "s": s, "m": m}
        layers = [nn.Conv2d(1, d, 5), nn.PReLU(d), nn.Conv2d(d, s, 1), nn.PReLU(s)]
        for _ in range(m):
            layers += [nn.Conv2d(s, s, 3), nn.PReLU(s)]
        layers += [nn.Conv2d(s, d, 1), nn.PReLU(d)]
        self.body = nn.Sequential(*layers)
        padding, output_padding, crop = deconv_geometry(scale)
        self.deconv = nn.ConvTranspose2d(d, 1, 9, stride=scale, padding=padding,
                                         output_padding=output_padding)
        self.scale = scale
        self.factor = scale
        self.method = "fsrcnn"
        self.crop = crop * scale
        self.context = 2 + m + crop
        self.reset_parameters()

    def reset_parameters(self):
        """He initialisation (PReLU slope 0.25) and N(0, 0.001) for the deconvolution."""
        for module in self.body:
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, a=0.25, nonlinearity="leaky_relu")
                nn.init.zeros_(module.bias)
        nn.init.normal_(self.deconv.weight, std=1e-3)
        nn.init.zeros_(self.deconv.bias)

    def forward(self, x):
        c = self.crop  # >= scale (deconv_geometry's crop is at least 1)
        return self.deconv(self.body(x))[:, :, c:-c, c:-c]


class ESPCN(nn.Module):
    """ESPCN at ``scale``: three convolutions on the LR Y and a sub-pixel shuffle.

    ``f1 x f1`` convolution to ``n1`` maps, ``f2 x f2`` to ``n2``, an
    activation after each, then ``f3 x f3`` to ``scale ** 2`` maps that the
    periodic shuffle (:class:`torch.nn.PixelShuffle`, ONNX ``DepthToSpace``,
    mode CRD) rearranges into one ``scale`` times larger map: LR pixel
    ``(i, j)`` gives the HR block ``[scale * i, scale * (i + 1))`` x
    ``[scale * j, scale * (j + 1))``, the pixels MATLAB's bicubic
    downscaling averaged into it. Unlike FSRCNN's deconvolution, every
    convolution works at the LR resolution.

    Parameters
    ----------
    scale : int
        Upscaling factor (2, 3 or 4).
    f1, f2, f3 : int
        Odd kernel sizes (5, 3, 3 in the paper).
    n1, n2 : int
        Filters of the first two layers (64 and 32).
    activation : {'tanh', 'relu'}
        After the first two layers (the paper: tanh).

    Attributes
    ----------
    context : int
        LR pixels each side the valid convolutions consume: an LR input of
        size ``(h + 2 * context, w + 2 * context)`` gives ``(scale * h,
        scale * w)``.
    factor : int
        Output pixels per input pixel (``scale``).

    References
    ----------
    .. [1] W. Shi et al., "Real-Time Single Image and Video Super-Resolution
       Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR 2016.
    """

    def __init__(self, scale, f1=5, f2=3, f3=3, n1=64, n2=32, activation="tanh"):
        super().__init__()
        if isinstance(scale, bool) or scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
        f1, f2, f3 = (_check_positive_odd(n, v) for n, v in (("f1", f1), ("f2", f2), ("f3", f3)))
        n1, n2 = _check_positive("n1", n1), _check_positive("n2", n2)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.config = {"scale": scale, "f1": f1, "f2": f2, "f3": f3, "n1": n1, "n2": n2,
                       "activation": activation}
        self.conv1 = nn.Conv2d(1, n1, f1)
        self.conv2 = nn.Conv2d(n1, n2, f2)
        self.conv3 = nn.Conv2d(n2, scale * scale, f3)
        self.shuffle = nn.PixelShuffle(scale)
        self.act = torch.tanh if activation == "tanh" else torch.relu
        self.scale = scale
        self.factor = scale
        self.method = "espcn"
        self.context = (f1 - 1) // 2 + (f2 - 1) // 2 + (f3 - 1) // 2
        self.reset_parameters()

    def reset_parameters(self):
        """Xavier (tanh) or He (ReLU) initialisation, N(0, 0.001) for the last layer."""
        for conv in (self.conv1, self.conv2):
            if self.config["activation"] == "tanh":
                nn.init.xavier_normal_(conv.weight, gain=nn.init.calculate_gain("tanh"))
            else:
                nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)
        nn.init.normal_(self.conv3.weight, std=1e-3)
        nn.init.zeros_(self.conv3.bias)

    def forward(self, x):
        x = self.act(self.conv1(x))
        x = self.act(self.conv2(x))
        return self.shuffle(self.conv3(x))


#: The networks by method name.
NETWORKS = {"srcnn": SRCNN, "fsrcnn": FSRCNN, "espcn": ESPCN}


def build_network(method, scale, **config):
    """The network of ``method`` (``'srcnn'``, ``'fsrcnn'`` or ``'espcn'``) at ``scale``."""
    if method == "srcnn":
        return SRCNN(**config)
    if method in NETWORKS:
        return NETWORKS[method](scale, **config)
    raise ValueError(f"method must be one of {tuple(NETWORKS)}, got {method!r}")
