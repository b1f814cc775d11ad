"""Train SRCNN, FSRCNN and ESPCN on T91 with torch (the ``train`` extra).

Data, as in the papers, from the Y channel (MATLAB ``rgb2ycbcr``, rounded) of
the 91 images of Yang et al.; LR images are made with MATLAB-exact bicubic
:func:`classicsr.imresize`:

* SRCNN (Dong et al. 2014/2016): 33x33 sub-images, stride 14, of the
  bicubic-upscaled LR image; the target is the centre of the HR sub-image
  that the valid convolutions produce (17x17 for 9-5-5). Shuffled each epoch.
* FSRCNN (Dong et al. 2016): every image also downscaled by 0.9, 0.8, 0.7,
  0.6 and each of the five rotated by 90, 180, 270 degrees (20x the data);
  LR sub-images of 10 (x2), 7 (x3) or 6 (x4) pixels whose HR target is
  ``scale`` times that, drawn at random positions (every stride-1 position
  of the LR grid). The network input adds ``context`` LR pixels each side,
  taken from the edge-padded LR image as at inference.
* ESPCN (Shi et al. 2016): FSRCNN's data (the paper trains on the 91
  images; the scalings and rotations are this package's choice, the same
  for both LR-input networks), with 17x17 LR inputs as the paper's
  17r x 17r HR sub-images: 9x9 LR outputs after the 4 pixels each side
  its valid 5-3-3 convolutions consume, ``9 * scale`` HR targets. The paper
  trains with tanh; the shipped networks use ReLU: in a paired x3 pilot
  (same seed, same batches, Adam at 1e-3) its training loss over steps
  8200-9000 was 11 % lower (0.00132 against 0.00149); no test set was used
  to choose.

The loss is the MSE on [0, 1] intensities; the optimiser Adam with a cosine
decay of the learning rate from ``lr`` to ``lr_min`` over ``iterations``.
Everything is seeded: the initial weights by ``torch.manual_seed(seed)`` and
the batches by ``numpy.random.default_rng([seed, step or epoch])``, so a run
resumed from its checkpoint continues as if never stopped.

:class:`CNNTrainer` is the same training as a scikit-learn estimator:
``CNNTrainer("srcnn", 3, random_state=0).fit(images)`` keeps the network as
an ONNX model in memory, usable at once as ``model=`` of the ``srcnn`` /
``fsrcnn`` / ``espcn`` methods (or through its ``upscale``) and written by its
``export``. This module imports torch only when training.

Usage::

    python -m classicsr.cnn.train srcnn --scale 3 --checkpoint-dir build/cnn/srcnn_x3 \\
        --export srcnn_x3.onnx
"""

import argparse
import contextlib
import json
import logging
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .._estimator import SuperResolutionEstimator
from .._image import training_luminance
from .._logging import verbose_logging
from .._validation import check_choice, check_int, check_integer_scale
from ..degradation import modcrop
from ..resize import imresize
from ..datasets import find_data_root, hr_images, read_training_images, resolve_dataset
from ..io import read_image
from ..protocol import protocol_pair, score_luminance
from ..registry import LEARNED_SCALES as SCALES
from ._onnx import network_input

__all__ = ["CHECKPOINT", "CNNTrainer", "DEFAULTS", "deterministic_cudnn", "FSRCNN_ROTATIONS",
           "FSRCNN_SCALINGS", "FSRCNN_SUB_IMAGE", "FSRCNNSubImages", "learning_rate", "main",
           "METHODS", "pick_device", "SRCNN_STRIDE", "SRCNN_SUB_IMAGE", "SRCNNSubImages",
           "train", "TrainConfig", "training_set", "TrainResult", "validation_psnr"]

METHODS = ("srcnn", "fsrcnn", "espcn")
SRCNN_SUB_IMAGE = 33
SRCNN_STRIDE = 14
#: FSRCNN's LR sub-image side per scale (Dong et al. 2016, Sec. 4.1).
FSRCNN_SUB_IMAGE = {2: 10, 3: 7, 4: 6}
#: ESPCN's LR sub-image side (the output part): 17x17 LR inputs, i.e. the
#: paper's 17r x 17r HR sub-images, less the 4 pixels each side its valid
#: 5-3-3 convolutions consume (Shi et al. 2016, Sec. 3.2).
ESPCN_SUB_IMAGE = {2: 9, 3: 9, 4: 9}
FSRCNN_SCALINGS = (1.0, 0.9, 0.8, 0.7, 0.6)
FSRCNN_ROTATIONS = (0, 1, 2, 3)
CHECKPOINT = "last.pt"
#: How to get torch and onnx; named in the error raised when they are missing.
TRAIN_HINT = 'pip install "classicsr[train]"'

logger = logging.getLogger("classicsr.train")

#: Defaults per method (see the module docstring and data/recipes/train_cnn.py).
DEFAULTS = {
    "srcnn": {"iterations": 15000, "batch_size": 64, "lr": 1e-3, "lr_min": 1e-5,
              "network": {"f1": 9, "f2": 5, "f3": 5, "n1": 64, "n2": 32}},
    "fsrcnn": {"iterations": 30000, "batch_size": 64, "lr": 1e-3, "lr_min": 1e-5,
               "network": {"d": 56, "s": 12, "m": 4}},
    "espcn": {"iterations": 120000, "batch_size": 64, "lr": 1e-3, "lr_min": 1e-5,
              "network": {"f1": 5, "f2": 3, "f3": 3, "n1": 64, "n2": 32,
                          "activation": "relu"}},
}


@dataclass
class TrainConfig:
    """Everything that determines a training run (stored in its checkpoints)."""

    method: str
    scale: int
    iterations: int
    batch_size: int
    lr: float
    lr_min: float
    seed: int
    network: dict = field(default_factory=dict)

    @classmethod
    def build(cls, method, scale, seed=0, **overrides):
        """The defaults of ``method`` with ``overrides`` (``None`` values ignored), checked."""
        check_choice(method, "method", METHODS)
        scale = check_integer_scale(scale, allowed=SCALES)
        values = {k: v for k, v in DEFAULTS[method].items()}
        values["network"] = dict(values["network"])
        for key, value in overrides.items():
            if key not in values:
                raise TypeError(f"unknown training option {key!r}; accepted: "
                                f"{', '.join(values)}")
            if value is not None:
                values[key] = dict(values[key], **value) if key == "network" else value
        for key in ("iterations", "batch_size"):
            values[key] = check_int(values[key], key, minimum=1)
        if not 0 < values["lr_min"] <= values["lr"]:
            raise ValueError(f"need 0 < lr_min <= lr, got lr={values['lr']!r}, "
                             f"lr_min={values['lr_min']!r}")
        seed = check_int(seed, "seed", minimum=0)
        return cls(method=method, scale=int(scale), seed=seed, **values)


def learning_rate(config, step):
    """Cosine decay from ``config.lr`` at step 0 to ``config.lr_min`` at the last step."""
    t = step / max(1, config.iterations - 1)
    return config.lr_min + 0.5 * (config.lr - config.lr_min) * (1 + math.cos(math.pi * t))


class SRCNNSubImages:
    """SRCNN's training set: 33x33 bicubic sub-images (stride 14) and HR centres."""

    def __init__(self, images, scale, context, size=SRCNN_SUB_IMAGE, stride=SRCNN_STRIDE):
        if size <= 2 * context:
            raise ValueError(f"sub-images of {size} px leave no output for context {context}")
        inputs, targets = [], []
        label = size - 2 * context
        for hr in images:
            hr = modcrop(hr, scale)
            bicubic = imresize(imresize(hr, 1.0 / scale), scale)
            for r in range(0, hr.shape[0] - size + 1, stride):
                for c in range(0, hr.shape[1] - size + 1, stride):
                    inputs.append(bicubic[r:r + size, c:c + size])
                    targets.append(hr[r + context:r + context + label,
                                      c + context:c + context + label])
        if not inputs:
            raise ValueError(f"no training sub-images: every image is smaller than {size} px")
        self.inputs = np.asarray(inputs, np.float32)[:, None]
        self.targets = np.asarray(targets, np.float32)[:, None]
        self._perm = (None, None)

    def __len__(self):
        return len(self.inputs)

    def batch(self, step, batch_size, seed):
        """Batch ``step``: epoch ``e = step // (n // batch_size)``, shuffled by ``[seed, e]``."""
        per_epoch = max(1, len(self) // batch_size)
        epoch, k = divmod(step, per_epoch)
        if self._perm[0] != epoch:
            self._perm = (epoch, np.random.default_rng([seed, epoch]).permutation(len(self)))
        index = np.sort(self._perm[1][k * batch_size:(k + 1) * batch_size])
        return self.inputs[index], self.targets[index]


class FSRCNNSubImages:
    """FSRCNN's training set: scaled and rotated T91, random LR/HR sub-image pairs."""

    def __init__(self, images, scale, context, size=None, scalings=FSRCNN_SCALINGS,
                 rotations=FSRCNN_ROTATIONS):
        self.scale, self.context = scale, context
        self.size = FSRCNN_SUB_IMAGE[scale] if size is None else size
        self.padded, self.hr, counts, widths = [], [], [], []
        for image in images:
            for factor in scalings:
                hr = image if factor == 1 else imresize(image, factor)
                hr = modcrop(hr, scale)
                if min(hr.shape) < scale * self.size:
                    continue
                lr = imresize(hr, 1.0 / scale)
                for k in rotations:
                    lr_k = np.rot90(lr, k)
                    self.padded.append(np.pad(lr_k, context, mode="edge").astype(np.float32))
                    self.hr.append(np.ascontiguousarray(np.rot90(hr, k), np.float32))
                    rows, cols = lr_k.shape[0] - self.size + 1, lr_k.shape[1] - self.size + 1
                    counts.append(rows * cols)
                    widths.append(cols)
        if not counts:
            raise ValueError(f"no training sub-images: every image is smaller than "
                             f"{scale * self.size} px")
        self.ends = np.cumsum(counts)
        self.widths = np.asarray(widths)

    def __len__(self):
        return int(self.ends[-1])

    def batch(self, step, batch_size, seed):
        """Batch ``step``: ``batch_size`` positions drawn by ``default_rng([seed, step])``."""
        flat = np.random.default_rng([seed, step]).integers(0, len(self), batch_size)
        which = np.searchsorted(self.ends, flat, side="right")
        offset = flat - np.concatenate([[0], self.ends])[which]
        rows, cols = np.divmod(offset, self.widths[which])
        n, s, c = self.size, self.scale, self.context
        x = np.empty((batch_size, 1, n + 2 * c, n + 2 * c), np.float32)
        y = np.empty((batch_size, 1, s * n, s * n), np.float32)
        for b, (k, r, q) in enumerate(zip(which, rows, cols)):
            x[b, 0] = self.padded[k][r:r + n + 2 * c, q:q + n + 2 * c]
            y[b, 0] = self.hr[k][s * r:s * (r + n), s * q:s * (q + n)]
        return x, y


def training_set(method, images, scale, context):
    """The sub-image set of ``method`` (see the module docstring)."""
    if method == "srcnn":
        return SRCNNSubImages(images, scale, context)
    size = (ESPCN_SUB_IMAGE if method == "espcn" else FSRCNN_SUB_IMAGE)[scale]
    return FSRCNNSubImages(images, scale, context, size=size)


def validation_psnr(net, method, scale, dataset_dir, device="cpu"):
    """Mean PSNR of the torch ``net`` on a dataset under the paper protocol."""
    import torch

    scores = []
    net.eval()
    with torch.no_grad():
        for path in hr_images(dataset_dir, scale):
            y, lr = protocol_pair(read_image(path), scale)
            x = torch.from_numpy(network_input(lr, method, scale, net.context)).to(device)
            sr = net(x[None, None])[0, 0].double().cpu().numpy()
            scores.append(score_luminance(y, sr, scale)["psnr"])
    net.train()
    return float(np.mean(scores))


@contextlib.contextmanager
def deterministic_cudnn(torch):
    """Make cuDNN pick deterministic algorithms (no autotuning) inside the block."""
    cudnn = torch.backends.cudnn
    saved = cudnn.deterministic, cudnn.benchmark
    cudnn.deterministic, cudnn.benchmark = True, False
    try:
        yield
    finally:
        cudnn.deterministic, cudnn.benchmark = saved


def pick_device(device=None):
    """``device`` or, when ``None``, ``'cuda'`` if torch sees a GPU and ``'cpu'`` otherwise."""
    import torch

    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not isinstance(device, str):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda', got "
                        f"{type(device).__name__}")
    return device


@dataclass
class TrainResult:
    """A trained network and how it was trained."""

    network: object
    config: TrainConfig
    training_seconds: float
    n_sub_images: int
    history: list
    step: int = 0

    @property
    def finished(self):
        """Whether the run reached ``config.iterations``."""
        return self.step >= self.config.iterations


def _save_checkpoint(path, state):
    import torch

    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train(method, scale, *, images=None, seed=0, checkpoint_dir=None, checkpoint_every=1000,
          resume=True, device=None, threads=None, validate_every=0, validation=None,
          stop_after=None, progress=True, log=print, **options):
    """Train ``method`` (``'srcnn'``, ``'fsrcnn'`` or ``'espcn'``) at ``scale``.

    Parameters
    ----------
    method : {'srcnn', 'fsrcnn', 'espcn'}
    scale : {2, 3, 4}
    images : str, Path or list of ndarray, optional
        A folder of training images, or their Y channels in [0, 1]. Default:
        ``T91`` under the data root (``../shared/data``).
    seed : int
        Seeds the initial weights and the order of the batches.
    checkpoint_dir : str or Path, optional
        Where ``last.pt`` is written every ``checkpoint_every`` steps and at
        the end; with ``resume``, a run there continues from it.
    device : str, optional
        Torch device; default CUDA when available, else CPU.
    threads : int, optional
        ``torch.set_num_threads`` (CPU).
    validate_every : int
        Every so many steps, log the PSNR on ``validation`` (default Set5).
    stop_after : int, optional
        Return after this many steps of this call, with a checkpoint (for
        time-limited sessions; run again with the same arguments to go on).
    progress : bool
        A tqdm progress bar.
    log : callable
        Receives one line of text per checkpoint or validation.
    **options
        ``iterations``, ``batch_size``, ``lr``, ``lr_min``, ``network``
        (a dict of network hyper-parameters); see :data:`DEFAULTS`.

    Returns
    -------
    TrainResult
    """
    import torch
    from tqdm.auto import tqdm

    from .networks import build_network

    config = TrainConfig.build(method, scale, seed=seed, **options)
    for name, value in (("checkpoint_every", checkpoint_every), ("stop_after", stop_after)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    device = pick_device(device)
    if threads is not None:
        torch.set_num_threads(int(threads))
    torch.manual_seed(seed)
    net = build_network(method, scale, **config.network).to(device)
    # the optimizer after the move: a resumed Adam state follows its parameters' device
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)
    state = {"step": 0, "training_seconds": 0.0, "history": [], "n_sub_images": 0}
    checkpoint = None
    if checkpoint_dir is not None:
        Path(checkpoint_dir).mkdir(parents=True, exist_ok=True)
        checkpoint = Path(checkpoint_dir) / CHECKPOINT
        if resume and checkpoint.is_file():
            saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
            if saved["config"] != asdict(config):
                raise ValueError(f"checkpoint '{checkpoint}' is of another run "
                                 f"({saved['config']}); not {asdict(config)}: use another "
                                 "checkpoint_dir or resume=False")
            net.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            state.update({k: saved[k] for k in state if k in saved})
            log(f"resumed from '{checkpoint}' at step {state['step']}")
    if validate_every:
        validation = resolve_dataset("Set5" if validation is None else validation,
                                     find_data_root())

    start = time.perf_counter()
    if images is None:
        root = find_data_root()
        if root is None or not (root / "T91").is_dir():
            raise FileNotFoundError("T91 not found: pass images=FOLDER or set CLASSICSR_DATA")
        images = root / "T91"
    if state["step"] < config.iterations:  # a finished run needs no data
        if isinstance(images, (str, Path)):
            # the rounded 8-bit Y of each image, as the papers
            images = read_training_images(images, paper_luminance=True)
        images = [training_luminance(img) for img in images]
        data = training_set(method, images, config.scale, net.context)
        state["n_sub_images"] = len(data)
        log(f"{method} x{scale}: {len(data)} sub-images, "
            f"{sum(p.numel() for p in net.parameters())} parameters, device {device}, "
            f"{torch.get_num_threads()} threads")

    def save():
        if checkpoint is not None:
            _save_checkpoint(checkpoint, {"config": asdict(config), "model": net.state_dict(),
                                          "optimizer": optimizer.state_dict(), **state})

    with deterministic_cudnn(torch):  # seeded runs repeat on a GPU too
        net.train()
        bar = tqdm(total=config.iterations, initial=state["step"], desc=f"{method} x{scale}",
                   unit="step", disable=not progress, mininterval=30, file=sys.stderr)
        running, seen, tick, steps_run = 0.0, 0, time.perf_counter(), 0
        while state["step"] < config.iterations:
            step = state["step"]
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, step)
            x, y = data.batch(step, config.batch_size, config.seed)
            x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
            loss = torch.mean((net(x) - y) ** 2)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            running += loss.item()
            seen += 1
            state["step"] = step + 1
            steps_run += 1
            bar.update()
            done = state["step"] == config.iterations
            pause = stop_after is not None and steps_run >= stop_after
            if state["step"] % checkpoint_every == 0 or done or pause:
                now = time.perf_counter()
                state["training_seconds"] += now - start
                start = now
                rate = seen * config.batch_size / (now - tick)
                record = {"step": state["step"], "loss": running / seen,
                          "lr": learning_rate(config, step), "samples_per_s": round(rate, 1)}
                if validate_every and (state["step"] % validate_every == 0 or done):
                    record["val_psnr"] = round(validation_psnr(net, method, config.scale,
                                                               validation, device), 3)
                    start = time.perf_counter()  # validation is not training time
                state["history"].append(record)
                save()
                log(json.dumps(record))
                running, seen, tick = 0.0, 0, time.perf_counter()
            if pause:
                break
        bar.close()
    if steps_run:
        state["training_seconds"] += time.perf_counter() - start
    net.eval()
    return TrainResult(network=net.cpu(), config=config,
                       training_seconds=state["training_seconds"],
                       n_sub_images=state["n_sub_images"],
                       history=state["history"], step=state["step"])


def _import_training_modules():
    """``torch`` and ``onnx``, or a ``ModuleNotFoundError`` that names the extra."""
    try:
        import onnx  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise ModuleNotFoundError(
            f"training the CNN methods (srcnn, fsrcnn, espcn) needs torch and onnx ({exc.name} is "
            f"not installed): {TRAIN_HINT}", name=exc.name) from exc


class CNNTrainer(SuperResolutionEstimator):
    """SRCNN, FSRCNN or ESPCN training as a scikit-learn estimator.

    ``fit(images)`` trains the network with :func:`train` and keeps it as an
    ONNX model in memory; the fitted estimator is a model of the ``srcnn`` /
    ``fsrcnn`` / ``espcn`` family: ``classicsr.upscale(img, scale, method, model=trainer)``
    runs it with ONNX Runtime exactly as it runs the file :meth:`export`
    writes. Importing this class needs neither torch nor onnx; ``fit`` does
    (``pip install "classicsr[train]"``).

    Parameters
    ----------
    method : {'srcnn', 'fsrcnn', 'espcn'}
    scale : {2, 3, 4}
    iterations, batch_size, lr, lr_min : optional
        Training steps, batch size and the learning rate's cosine decay from
        ``lr`` to ``lr_min``; ``None``: the paper settings of :data:`DEFAULTS`.
    network : dict, optional
        Network hyper-parameters over those of :data:`DEFAULTS` (SRCNN
        ``f1, f2, f3, n1, n2``; FSRCNN ``d, s, m``; ESPCN ``f1, f2, f3, n1, n2,
        activation``).
    random_state : int or None
        Seeds the initial weights and the order of the batches (an int >= 0);
        ``None`` draws a seed (kept in ``seed_``).
    device : str, optional
        Torch device; default CUDA when available, else CPU.
    threads : int, optional
        Torch CPU threads during ``fit`` (restored afterwards).
    checkpoint_dir : str or Path, optional
        Where ``last.pt`` is written every ``checkpoint_every`` steps and at
        the end; a run of the same settings found there is resumed (a
        finished one only loaded).
    checkpoint_every : int
    validate_every : int
        Every so many steps, record the PSNR on ``validation`` in ``history_``
        (0: never).
    validation : str or Path, optional
        A dataset folder or name under the data root; default ``Set5``.
    verbose : bool
        A progress bar and one line per checkpoint (else the lines go to the
        ``classicsr.train`` logger).

    Attributes
    ----------
    onnx_model_ : bytes
        The trained network as an ONNX model (what :meth:`export` writes).
    network_ : torch.nn.Module
        The trained network (on the CPU).
    config_ : TrainConfig
        The settings the network was trained with (defaults filled in).
    seed_ : int
        The seed used.
    training_seconds_ : float
    n_sub_images_ : int
        Training sub-images (also ``n_training_patches_``, the name the
        other trainable models use).
    history_ : list of dict
        Loss, learning rate and validation PSNR at each checkpoint.
    onnx_max_abs_diff_ : float or None
        Largest difference of ONNX Runtime from torch on random inputs
        (``None`` without onnxruntime).

    Examples
    --------
    >>> from classicsr.cnn.train import CNNTrainer
    >>> CNNTrainer("fsrcnn", 2, iterations=100)
    CNNTrainer(iterations=100, method='fsrcnn', scale=2)
    """

    def __init__(self, method="srcnn", scale=3, *, iterations=None, batch_size=None, lr=None,
                 lr_min=None, network=None, random_state=0, device=None, threads=None,
                 checkpoint_dir=None, checkpoint_every=1000, validate_every=0, validation=None,
                 verbose=True):
        self.method = method
        self.scale = scale
        self.iterations = iterations
        self.batch_size = batch_size
        self.lr = lr
        self.lr_min = lr_min
        self.network = network
        self.random_state = random_state
        self.device = device
        self.threads = threads
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.validate_every = validate_every
        self.validation = validation
        self.verbose = verbose

    def _fitted_names(self):
        return ("onnx_model_",)

    def _seed(self):
        if self.random_state is None:
            return int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        return check_int(self.random_state, "random_state", minimum=0)

    def fit(self, images):
        """Train on a list of HR images (any supported dtype, grey or colour).

        Parameters
        ----------
        images : list of ndarray
            uint8, uint16, float32 or float64 (in [0, 1]) images, grey or
            RGB(A); colour ones are trained on the Y of MATLAB's
            ``rgb2ycbcr`` in double precision. To train exactly as the
            papers (rounded 8-bit Y), pass
            ``classicsr.datasets.read_training_images(folder,
            paper_luminance=True)``.

        Returns
        -------
        self

        Raises
        ------
        TypeError, ValueError
            Invalid settings or images (a folder is refused: read it with
            :func:`classicsr.datasets.read_training_images`).
        ModuleNotFoundError
            torch or onnx is not installed.
        """
        from .._estimator import check_training_images

        seed = self._seed()
        config = TrainConfig.build(self.method, self.scale, seed=seed,
                                   **self._training_options())
        check_int(self.checkpoint_every, "checkpoint_every", minimum=1)
        check_int(self.validate_every, "validate_every", minimum=0)
        check_int(self.threads, "threads", minimum=1, allow_none=True)
        luminance = check_training_images(images)
        _import_training_modules()
        import torch

        from .export import check_onnx_matches_torch, onnx_bytes

        def log(line):
            # shown on stdout when verbose (see classicsr._logging)
            with verbose_logging(self.verbose, logger):
                logger.info(line)

        threads = torch.get_num_threads()
        try:
            result = train(config.method, config.scale, images=luminance, seed=seed,
                           checkpoint_dir=self.checkpoint_dir,
                           checkpoint_every=self.checkpoint_every, device=self.device,
                           threads=self.threads, validate_every=self.validate_every,
                           validation=self.validation, progress=bool(self.verbose), log=log,
                           **self._training_options())
        finally:
            torch.set_num_threads(threads)
        data = onnx_bytes(result.network, scale=config.scale)
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            diff = None
        else:
            diff = check_onnx_matches_torch(result.network, data)
        self.__dict__.pop("_networks", None)
        self.network_ = result.network
        self.onnx_model_ = data
        self.onnx_max_abs_diff_ = diff
        self.config_ = result.config
        self.seed_ = seed
        self.training_seconds_ = result.training_seconds
        self.n_sub_images_ = self.n_training_patches_ = result.n_sub_images
        self.history_ = result.history
        return self

    def _training_options(self):
        return {"iterations": self.iterations, "batch_size": self.batch_size, "lr": self.lr,
                "lr_min": self.lr_min, "network": self.network}

    def onnx_network(self, providers=None, provider_options=None):
        """The fitted network as an ONNX Runtime :class:`~classicsr.cnn._onnx.OnnxNetwork`.

        What ``classicsr.upscale(..., model=self)`` runs (through
        :func:`classicsr.modelstore.get_model`); one session per choice of
        providers is kept with the model until the next ``fit``.
        """
        from ._onnx import check_provider_options, load_network_bytes, select_providers

        self._check_fitted()
        chosen = tuple(select_providers(providers))
        options = check_provider_options(provider_options)
        key = (chosen, repr(sorted(options.items())))
        networks = self.__dict__.setdefault("_networks", {})
        cached = networks.get(key)
        if cached is not None and cached[0] is self.onnx_model_:
            return cached[1]
        network = load_network_bytes(self.onnx_model_, chosen, options,
                                     name=f"<{type(self).__name__} {self.method} x{self.scale}>")
        networks[key] = (self.onnx_model_, network)
        return network

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_networks", None)  # ONNX Runtime sessions do not pickle
        return state

    def export(self, path, *, overwrite=False):
        """Write the network to ``path`` as an ONNX model, atomically.

        The file is what ``model=PATH`` and
        :func:`classicsr.modelstore.get_model` accept (the same bytes as
        :func:`classicsr.cnn.export.export_onnx` writes).

        Raises
        ------
        ValueError
            If ``path`` does not end in ``.onnx``.
        FileExistsError
            If ``path`` exists and ``overwrite`` is false.
        """
        from ..io import atomic_write_bytes

        self._check_fitted()
        path = Path(path)
        if path.suffix.lower() != ".onnx":
            raise ValueError(f"a {self.method} model is an .onnx file, got '{path}'")
        atomic_write_bytes(path, self.onnx_model_, overwrite=overwrite)
        return path

    def save(self, path, *, overwrite=False):
        """:meth:`export`, under the name the other trainable models use."""
        return self.export(path, overwrite=overwrite)


def main(argv=None):
    """Command line: train one network and optionally export it to ONNX."""
    parser = argparse.ArgumentParser(description="Train SRCNN, FSRCNN or ESPCN on T91 (torch).")
    parser.add_argument("method", choices=METHODS)
    parser.add_argument("--scale", type=int, required=True, choices=SCALES)
    parser.add_argument("--images", default=None, help="folder of training images (T91)")
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--lr-min", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint-dir", default=None)
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--no-resume", action="store_true")
    parser.add_argument("--validate-every", type=int, default=0)
    parser.add_argument("--device", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--stop-after", type=int, default=None,
                        help="return after this many steps (resume later)")
    parser.add_argument("--export", default=None, help="write the trained network as ONNX")
    args = parser.parse_args(argv)
    result = train(args.method, args.scale, images=args.images, seed=args.seed,
                   checkpoint_dir=args.checkpoint_dir, checkpoint_every=args.checkpoint_every,
                   resume=not args.no_resume, device=args.device, threads=args.threads,
                   validate_every=args.validate_every, stop_after=args.stop_after,
                   iterations=args.iterations,
                   batch_size=args.batch_size, lr=args.lr, lr_min=args.lr_min)
    print(f"trained in {result.training_seconds:.0f} s", flush=True)
    if args.export and not result.finished:
        print("stopped before the last step: not exported", flush=True)
    elif args.export:
        from .export import export_onnx

        export_onnx(result.network, args.export, overwrite=True)
        print(f"wrote {args.export}", flush=True)


if __name__ == "__main__":
    main()
