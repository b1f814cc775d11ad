"""The ``classicsr`` command line, generated from the method registry."""

import argparse
import sys

__all__ = ["build_parser", "main"]


def _add_single_image_arguments(p, methods, input_help, output_help):
    """INPUT, OUTPUT, --scale, --method and --model of ``upscale`` and ``batch``."""
    p.add_argument("input", help=input_help)
    p.add_argument("output", help=output_help)
    p.add_argument("--scale", type=float, required=True, help="upscaling factor")
    p.add_argument("--method", default="bicubic", choices=methods, metavar="METHOD",
                   help="one of: " + ", ".join(methods) + " (default: bicubic)")
    p.add_argument("--model", help="a model file from 'classicsr train' (learning-based methods)")


def _add_upscale(sub, methods):
    p = sub.add_parser("upscale", help="super-resolve one image file")
    _add_single_image_arguments(p, methods, "input image (PNG, JPEG, TIFF, BMP)",
                                "output image; its suffix picks the format")
    _add_backprojection(p)
    p.add_argument("--max-memory", metavar="SIZE",
                   help="memory bound, e.g. 4GB or 512MB (powers of 1024); default: "
                        "$CLASSICSR_MAX_MEMORY, else the smaller of 8 GiB and 60%% of the "
                        "available memory. Larger outputs are refused; large images are "
                        "processed in tiles within it")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")


def _psf_sigma_argument(text):
    """``--psf-sigma``: a number, or 'auto' (None: estimate it)."""
    import argparse

    if text.strip().lower() == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number >= 0 or 'auto', got {text!r}") from None


def _add_multiframe(sub):
    from .multiframe.motion import MOTION_CHOICES
    from .registry import available_methods

    methods = list(available_methods("multiframe"))
    p = sub.add_parser("multiframe",
                       help="reconstruct one image from a video or a folder of frames")
    p.add_argument("input", help="a video file (decoded by PyAV / FFmpeg: AVI, MP4, MOV, "
                                 "MKV, ...) or a folder of images (taken in natural order: "
                                 "f_2 before f_10)")
    p.add_argument("output", help="output image; its suffix picks the format")
    p.add_argument("--scale", type=int, required=True, help="integer upscaling factor")
    p.add_argument("--method", default="l1btv", choices=methods, metavar="METHOD",
                   help="one of: " + ", ".join(methods) + " (default: l1btv)")
    p.add_argument("--frames", type=int, default=16, metavar="N",
                   help="use the first N frames (default 16; a shorter clip uses all of its "
                        "frames)")
    p.add_argument("--motion", default="translation", choices=MOTION_CHOICES,
                   help="motion model of the registration (default: translation); 'flow': "
                        "dense optical flow with a per-pixel confidence, for scenes where "
                        "something moves on its own")
    p.add_argument("--psf-sigma", type=_psf_sigma_argument, default=1.0,
                   help="Gaussian PSF standard deviation in output pixels (default 1.0), or "
                        "'auto': estimated from the frames (cross-validation of the bayesian "
                        "method over the frames) and printed")
    p.add_argument("--reference", type=int, default=0,
                   help="index of the reference frame among those used (default 0)")
    p.add_argument("--progress", action="store_true", help="show progress bars")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")


def _add_video(sub):
    from .multiframe.motion import MOTION_CHOICES
    from .multiframe.video import DEFAULT_WINDOW, VIDEO_CODECS
    from .registry import available_methods

    methods = list(available_methods("multiframe"))
    p = sub.add_parser("video", help="super-resolve every frame of a video from its neighbours")
    p.add_argument("input", help="a video file (decoded by PyAV / FFmpeg) or a folder of images "
                                 "(natural order)")
    p.add_argument("output", help="a video file (" + ", ".join(VIDEO_CODECS) + ": FFV1 for "
                                  ".mkv/.avi, lossless H.264 for .mp4/.mov) or a folder of PNG "
                                  "frames (a path without a suffix; an interrupted run resumes "
                                  "there)")
    p.add_argument("--scale", type=int, required=True, help="integer upscaling factor")
    p.add_argument("--window", type=int, default=DEFAULT_WINDOW, metavar="N",
                   help=f"frames per sliding window, the frame being reconstructed at its "
                        f"centre (default {DEFAULT_WINDOW})")
    p.add_argument("--method", default="l1btv", choices=methods, metavar="METHOD",
                   help="one of: " + ", ".join(methods) + " (default: l1btv)")
    p.add_argument("--motion", default="translation", choices=MOTION_CHOICES,
                   help="motion model registered in every window (default: translation)")
    p.add_argument("--psf-sigma", type=_psf_sigma_argument, default=1.0,
                   help="Gaussian PSF standard deviation in output pixels (default 1.0), or "
                        "'auto': estimated in every window")
    p.add_argument("--frames", type=int, metavar="N",
                   help="use only the first N frames of the clip (default: all)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing video file, or recompute every frame of an "
                        "existing folder")


def _add_batch(sub, methods):
    p = sub.add_parser("batch", help="upscale every image of a folder, in parallel")
    _add_single_image_arguments(
        p, methods, "folder of images (PNG, JPEG, TIFF, BMP)",
        "output folder (created): outputs named after the input stems (the whole input "
        "names where stems clash: a.png, a.jpg -> a.png.png, a.jpg.png) and the settings "
        "record classicsr-batch.json")
    p.add_argument("--workers", type=int, help="local worker processes (default: all CPUs)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a dask.distributed scheduler address (e.g. tcp://host:8786); "
                        "needs pip install \"classicsr[dask]\"")
    p.add_argument("--scheduler-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="give up if the scheduler does not answer or no worker connects "
                        "within SECONDS (default 60)")
    p.add_argument("--format", default="png", help="output format suffix (default png)")
    p.add_argument("--max-memory", metavar="SIZE",
                   help="memory bound of each worker (e.g. 2GB; default: the smaller of 8 GiB "
                        "and 60%% of the available memory); larger images are tiled")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_backprojection(p)
    p.add_argument("--overwrite", action="store_true",
                   help="re-process images whose output exists (default: skip them) and "
                        "replace a settings record of other settings (default: refuse)")


def _add_methods_choice(p, methods, verb):
    """``--methods M ...``: a subset of the registered methods (compare, demo)."""
    p.add_argument("--methods", nargs="+", choices=methods, metavar="METHOD",
                   help=f"methods to {verb} (default: all usable at SCALE): "
                        + ", ".join(methods))


def _add_compare(sub, methods):
    p = sub.add_parser("compare", help="HTML report comparing methods on images")
    p.add_argument("input", help="an image or a folder of images (taken as ground truth)")
    p.add_argument("--scale", type=int, required=True, help="upscaling factor")
    _add_methods_choice(p, methods, "compare")
    p.add_argument("--out", default="classicsr-compare", help="report folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--overwrite", action="store_true",
                   help="write into a non-empty report folder")


def _add_backprojection(p):
    p.add_argument("--backprojection", action="store_true",
                   help="refine the output with iterative back-projection (Irani & Peleg)")
    p.add_argument("--bp-iterations", type=int, metavar="N",
                   help="back-projection iterations (default 20; needs --backprojection)")
    p.add_argument("--ensemble", action="store_true",
                   help="enhanced prediction: average the results on the 8 rotations and "
                        "flips (8x the time; Timofte et al. CVPR 2016)")


def _backprojection_options(args):
    """Back-projection and enhanced prediction options of ``upscale``/``batch``/``evaluate``."""
    if args.bp_iterations is not None and not args.backprojection:
        raise ValueError("--bp-iterations needs --backprojection")
    options = {"ensemble": True} if args.ensemble else {}
    if not args.backprojection:
        return options
    iterations = 20 if args.bp_iterations is None else args.bp_iterations
    if iterations < 0:
        raise ValueError(f"--bp-iterations must be >= 0, got {iterations}")
    return {**options, "backprojection": True, "backprojection_iterations": iterations}


def _add_train(sub):
    from .training import trainable_methods

    trainable = sorted(trainable_methods())
    p = sub.add_parser("train", help="train a model on a folder of images (face: a face set "
                                     "from a folder of aligned faces)")
    p.add_argument("method", choices=trainable + ["face"], metavar="METHOD",
                   help="one of: " + ", ".join(trainable) + "; or face: the face set of "
                        "the face_* methods, from a folder of aligned faces of one size")
    p.add_argument("--scale", type=int, required=True, help="upscaling factor (2, 3, 4)")
    p.add_argument("--images", help="folder of training images (default: T91 under the data "
                                    "root, $CLASSICSR_DATA or ../shared/data)")
    p.add_argument("--out", help="model file to write (.npz; .onnx for the CNNs); default: the "
                                 "user model folder, where model=None finds it "
                                 "(classicsr.modelstore.user_models_dir)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--patches", type=int, help="use at most N training patches")
    p.add_argument("--ksvd-iter", type=int, help="zeyde, gr, anr, lle: K-SVD iterations "
                                                   "(default 20)")
    p.add_argument("--dictionary", help="aplus, kmeans: an existing Zeyde model file to "
                                        "anchor on")
    p.add_argument("--anchors", type=int, help="ia: anchors per stage (default 65536)")
    p.add_argument("--stages", type=int, help="ia: cascade stages (default: the estimator's)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")


def _add_evaluate(sub, methods):
    p = sub.add_parser("evaluate", help="paper-protocol PSNR/SSIM on image folders")
    p.add_argument("--method", required=True, choices=methods, metavar="METHOD",
                   help="one of: " + ", ".join(methods))
    p.add_argument("--dataset", required=True, nargs="+",
                   help="dataset folders, or names under $CLASSICSR_DATA (e.g. Set5 Set14)")
    p.add_argument("--scale", type=int, nargs="+", default=[2, 3, 4], help="scale factors")
    p.add_argument("--data-root", help="where dataset names are looked up")
    p.add_argument("--json", help="write the results as JSON")
    p.add_argument("--csv", help="write per-image results as CSV")
    p.add_argument("--per-image", action="store_true", help="print every image")
    _add_backprojection(p)
    p.add_argument("--overwrite", action="store_true", help="replace existing JSON/CSV")


def _add_demo(sub, methods):
    p = sub.add_parser("demo", help="run every method on an embedded image")
    p.add_argument("--out", default="classicsr-demo", help="output folder")
    p.add_argument("--scale", type=int, default=3, help="scale factor (default 3)")
    _add_methods_choice(p, methods, "run")
    p.add_argument("--overwrite", action="store_true", help="replace earlier demo outputs")
    p.add_argument("--fast", action="store_true",
                   help="leave out the slow methods (self-example searches)")


def build_parser():
    """The argument parser; subcommands and method choices come from the registry."""
    from . import __version__
    from .registry import available_methods

    methods = list(available_methods())
    faces = list(available_methods("face"))
    parser = argparse.ArgumentParser(
        prog="classicsr", description="Classical image super-resolution."
    )
    parser.add_argument("--version", action="version", version=f"classicsr {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_upscale(sub, methods + faces)
    _add_multiframe(sub)
    _add_video(sub)
    _add_batch(sub, methods)
    _add_compare(sub, methods)
    p = sub.add_parser("methods", help="list the registered methods (or one, with its options)")
    p.add_argument("name", nargs="?", help="a method: show its options and defaults")
    _add_evaluate(sub, methods)
    _add_demo(sub, methods)
    _add_train(sub)
    _add_verbosity(parser, top=True)
    for command in sub.choices.values():  # also after the command: classicsr demo -v
        _add_verbosity(command, top=False)
    return parser


def _add_verbosity(parser, top):
    """``-v`` / ``-q``: the level of the ``classicsr`` log (:mod:`classicsr._logging`)."""
    default = 0 if top else argparse.SUPPRESS  # a subcommand's flags add to the top's
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="count", default=default,
                       help="show the library's log: -v progress messages, -vv debug")
    group.add_argument("-q", "--quiet", action="count", default=default,
                       help="show only errors of the library's log (not its warnings)")


def _warnings_on_one_line(command):
    """A context in which warnings (e.g. a multi-page TIFF of which the first page
    is read, a poorly registered frame) print as one ``classicsr COMMAND:
    warning: ...`` line on stderr; :func:`main` runs every command in it."""
    import contextlib
    import warnings

    def show(message, category, *_, **__):
        kind = "" if issubclass(category, UserWarning) else f"{category.__name__}: "
        print(f"classicsr {command}: warning: {kind}{message}", file=sys.stderr)

    @contextlib.contextmanager
    def context():
        with warnings.catch_warnings():
            warnings.simplefilter("always", UserWarning)  # e.g. one per multi-page file
            warnings.showwarning = show
            yield

    return context()


def _cmd_upscale(args):
    import warnings

    from ._dispatch import check_upscale_call, upscale
    from .io import (
        PrecisionLossWarning,
        check_output,
        read_image,
        read_metadata,
        write_image,
    )
    from .registry import get_method

    scale = int(args.scale) if float(args.scale).is_integer() else args.scale
    options = {}
    if args.model:
        if not get_method(args.method).needs_model:
            raise ValueError(f"--model is only for learning-based methods, not {args.method!r}")
        options["model"] = args.model
    options.update(_backprojection_options(args))
    if args.max_memory is not None:
        options["max_memory"] = args.max_memory
    check_upscale_call(args.method, scale, options)
    img = read_image(args.input)
    # The output is checked before minutes of computing: its suffix, whether it may
    # be written, and what its format cannot hold (said now, not after the work).
    note = check_output(args.output, img.dtype, 1 if img.ndim == 2 else img.shape[2],
                        overwrite=args.overwrite)
    if note:
        print(f"classicsr upscale: note: {note}", file=sys.stderr)
    out = upscale(img, scale, method=args.method, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionLossWarning)  # the note above said it
        write_image(args.output, out, overwrite=args.overwrite,
                    metadata=read_metadata(args.input))
    bp = (" + back-projection" if args.backprojection else "") + (
        " + ensemble" if args.ensemble else "")
    print(f"{args.input} {img.shape} -> {args.output} {out.shape} "
          f"({args.method}{bp}, x{args.scale:g})")


def _cmd_multiframe(args):
    from pathlib import Path

    import numpy as np

    from ._image import to_unit
    from ._validation import check_int, check_integer_scale, check_real
    from .color import to_dtype
    from .io import write_image
    from .multiframe import read_frames, upscale_frames
    from .multiframe.flow import estimate_flow
    from .multiframe.frames import check_frames, stack_luminance
    from .multiframe.motion import FLOW
    from .multiframe.registration import QUALITY_THRESHOLD, register, warn_if_poorly_registered
    from .registry import get_method

    if Path(args.output).exists() and not args.overwrite:
        raise FileExistsError(f"'{args.output}' exists; use --overwrite to replace it")
    if args.frames < 2:
        raise ValueError(f"--frames must be >= 2, got {args.frames}")
    # cheap checks before the registration (reconstruct checks everything again)
    check_integer_scale(args.scale, allowed=get_method(args.method, kind="multiframe").scales)
    check_real(args.psf_sigma, "--psf-sigma", minimum=0, allow_none=True)
    frames = read_frames(args.input, max_frames=args.frames)
    if len(frames) < args.frames:
        print(f"note: {args.input} has only {len(frames)} frames; using all of them "
              f"(--frames {args.frames})")
    # registered here, as upscale_frames would, to print the quality measure
    weights = None
    if args.motion == FLOW:
        check_int(args.reference, "--reference", minimum=0, maximum=len(frames) - 1)
        motion, weights, _ = estimate_flow(stack_luminance(to_unit(check_frames(frames))),
                                           args.reference, progress=args.progress)
        quality = weights.mean(axis=(1, 2))
        what = ("flow confidence per frame (mean over pixels of the forward-backward and "
                "residual confidence; 1 = every pixel consistent)")
    else:
        motion, quality = register(frames, reference=args.reference, motion=args.motion,
                                   progress=args.progress, return_quality=True)
        what = (f"registration quality per frame (band-pass correlation with reference frame "
                f"{args.reference}; 1 = perfect, below {QUALITY_THRESHOLD} = poor)")
    others = [k for k in range(len(quality)) if k != args.reference]
    worst = min(others, key=lambda k: quality[k])
    values = (" ".join(f"{q:.2f}" for q in quality) if len(quality) <= 32 else
              f"min {quality[worst]:.2f} (frame {worst}), "
              f"median {np.median(quality[others]):.2f}")
    print(f"{what}: {values}")
    if weights is None:
        warn_if_poorly_registered(quality)
    psf_sigma = args.psf_sigma
    if psf_sigma is None:  # estimated once here, to print it
        from .multiframe.algorithms import Problem
        from .multiframe.bayesian import blind_psf_sigma

        luminance = stack_luminance(to_unit(check_frames(frames)))
        dense = args.motion == FLOW
        estimate, psf_sigma = blind_psf_sigma(Problem(luminance, None if dense else motion,
                                                      args.scale, 1.0, args.reference,
                                                      flow=motion if dense else None,
                                                      weights=weights))
        print(f"estimated psf_sigma: {estimate:.3f} output pixels (the operator's Gaussian, "
              f"less the blur of its bilinear warp: {psf_sigma:.3f})")
    out = upscale_frames(frames, args.scale, method=args.method, motion=motion,
                         weights=weights, psf_sigma=psf_sigma, reference=args.reference,
                         progress=args.progress)
    if out.dtype not in (np.uint8, np.uint16):  # float TIFF frames: save as 16-bit
        out = to_dtype(out * 65535.0, np.uint16)
    write_image(args.output, out, overwrite=args.overwrite)
    print(f"{args.input} ({len(frames)} frames of {frames[0].shape}) -> {args.output} "
          f"{out.shape} ({args.method}, x{args.scale})")


def _cmd_video(args):
    from .multiframe import upscale_video

    result = upscale_video(args.input, args.output, args.scale, window=args.window,
                           method=args.method, motion=args.motion, psf_sigma=args.psf_sigma,
                           max_frames=args.frames, overwrite=args.overwrite,
                           progress=not args.no_progress)
    resumed = f", {result.skipped} already there" if result.skipped else ""
    print(f"{args.input} ({result.n_frames} frames of {result.input_shape}) -> {args.output} "
          f"{result.output_shape} ({args.method}, x{args.scale}, window {args.window}; "
          f"{result.computed} frames in {result.seconds:.1f} s{resumed})")


def _cmd_batch(args):
    from .batch import BatchInterrupted, run_batch

    scale = int(args.scale) if float(args.scale).is_integer() else args.scale
    options = {"model": args.model} if args.model else {}
    options.update(_backprojection_options(args))
    if args.max_memory is not None:
        options["max_memory"] = args.max_memory
    try:
        report = run_batch(args.input, args.output, scale, args.method, workers=args.workers,
                           scheduler=args.scheduler, scheduler_timeout=args.scheduler_timeout,
                           fmt=args.format, overwrite=args.overwrite,
                           progress=not args.no_progress, **options)
    except BatchInterrupted as exc:  # the summary, then exit status 130
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # further Ctrl-Cs: we are stopping
        print(exc.report.summary(), flush=True)
        raise
    print(report.summary())
    if report.failed:
        raise OSError(f"{len(report.failed)} image(s) failed (listed above)")


def _cmd_compare(args):
    from .report import compare

    rows = compare(args.input, args.scale, args.methods, args.out, overwrite=args.overwrite,
                   progress=not args.no_progress)
    for row in rows:
        print(f"{row['image']:<16} {row['method']:<10} {row['psnr']:8.3f} dB "
              f"{row['ssim']:.4f} {row['seconds']:.3f} s")
    for name, message in rows.failed:
        print(f"  FAILED {name}: {message}")
    print(f"report: {args.out}/index.html")
    if rows.failed:
        raise OSError(f"{len(rows.failed)} image(s) could not be compared (listed above)")


def _describe(info):
    from .registry import missing_requirements

    scales = "any" if info.scales is None else ",".join(map(str, info.scales))
    model = f" [trained model: {info.model}]" if info.needs_model else ""
    missing = missing_requirements(info)
    needs = f" [needs: pip install \"classicsr[{','.join(missing)}]\"]" if missing else ""
    kind = {"multiframe": "multi-frame; ", "face": "aligned faces of the face set's size; "}.get(
        info.kind, "")
    return [f"{info.name:<12} {info.description}{model}{needs}",
            f"{'':<12} {kind}scales: {scales}; halo: {info.halo}; {info.reference}"]


def _cmd_methods(args):
    from .registry import available_methods, get_method

    if args.name is not None:
        info = get_method(args.name, kind="all")
        print("\n".join(_describe(info)))
        print("options:" if info.options else "options: none")
        for option in info.options:
            print(f"  {option.name} = {option.default!r}: {option.description}")
        return
    for info in available_methods("all").values():
        print("\n".join(_describe(info)))


def _cmd_evaluate(args):
    from pathlib import Path

    from .evaluation import evaluate

    for target in (args.json, args.csv):
        if target and Path(target).exists() and not args.overwrite:
            raise FileExistsError(f"'{target}' exists; use --overwrite to replace it")
    options = _backprojection_options(args)
    result = evaluate(args.method, args.dataset, args.scale, data_root=args.data_root,
                      **options)
    if options.get("backprojection"):
        print(f"with back-projection ({options['backprojection_iterations']} iterations)")
    if options.get("ensemble"):
        print("with enhanced prediction (8 rotations and flips averaged)")
    print(result.table(per_image=args.per_image))
    if args.json:
        result.to_json(args.json, overwrite=args.overwrite)
    if args.csv:
        result.to_csv(args.csv, overwrite=args.overwrite)


def _cmd_demo(args):
    from .demo import format_rows, run_demo

    rows = run_demo(args.out, args.scale, overwrite=args.overwrite, methods=args.methods,
                    fast=args.fast)
    print(format_rows(rows, args.scale))
    print(f"wrote {args.out}/comparison.png and one PNG per method")


def _cmd_train(args):
    import time
    from pathlib import Path

    from .modelstore import model_family, user_model_path
    from .training import train_model, trainable_methods

    if args.method == "face":
        return _train_face(args)
    family = trainable_methods().get(args.method)
    suffix = model_family(family).suffix
    if args.out is None:
        args.out = str(user_model_path(family, args.scale, suffix))
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if args.images is None:
        from .datasets import find_data_root

        root = find_data_root()
        if root is None or not (root / "T91").is_dir():
            raise ValueError("--images is needed: no T91 folder under a data root "
                             "(set CLASSICSR_DATA or give --images DIR)")
        args.images = str(root / "T91")
    if Path(args.out).suffix.lower() != suffix:  # checked before hours of training
        raise ValueError(f"--out '{args.out}' must end in {suffix}: {args.method} models are "
                         f"{suffix} files")
    if Path(args.out).exists() and not args.overwrite:
        raise FileExistsError(f"'{args.out}' exists; use --overwrite to replace it")
    if args.patches is not None and args.patches < 1:
        raise ValueError(f"--patches must be a positive integer, got {args.patches}")
    if args.patches is not None and suffix == ".onnx":
        raise ValueError(f"--patches is for the example-based methods, not {args.method!r}")
    start = time.perf_counter()
    params = {}
    if args.ksvd_iter is not None:
        if family != "zeyde":
            raise ValueError(f"--ksvd-iter is for the Zeyde dictionary (zeyde, gr, anr, lle), "
                             f"not {args.method!r}")
        params["n_iter"] = args.ksvd_iter
    if args.dictionary is not None:
        if family not in ("aplus", "kmeans"):
            raise ValueError(f"--dictionary is for aplus and kmeans, not {args.method!r}")
        params["dictionary"] = args.dictionary
    for option, name in (("anchors", "n_anchors"), ("stages", "n_stages")):
        if getattr(args, option) is not None:
            if family != "ia":
                raise ValueError(f"--{option} is for ia, not {args.method!r}")
            params[name] = getattr(args, option)
    model = train_model(args.method, args.scale, args.images, random_state=args.seed,
                        max_patches=args.patches, **params)
    model.save(args.out, overwrite=args.overwrite)
    print(f"trained {model.method} x{args.scale} on {model.n_training_patches_} patches in "
          f"{time.perf_counter() - start:.1f} s (this model's own stage "
          f"{model.training_seconds_:.1f} s) -> {args.out}")


def _train_face(args):
    """``classicsr train face``: a face set from a folder of aligned faces."""
    import time
    from pathlib import Path

    from .datasets import read_training_images
    from .face import FaceSet
    from .modelstore import user_model_path

    for option in ("patches", "ksvd_iter", "dictionary", "anchors", "stages"):
        if getattr(args, option) is not None:
            raise ValueError(f"--{option.replace('_', '-')} is not an option of the face set")
    if args.images is None:
        raise ValueError("--images is needed: a folder of aligned faces of one size")
    if args.out is None:
        args.out = str(user_model_path("face", args.scale, ".npz"))
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if Path(args.out).suffix.lower() != ".npz":
        raise ValueError(f"--out '{args.out}' must end in .npz: face models are .npz files")
    if Path(args.out).exists() and not args.overwrite:
        raise FileExistsError(f"'{args.out}' exists; use --overwrite to replace it")
    start = time.perf_counter()
    model = FaceSet(scale=args.scale).fit(
        read_training_images(args.images, paper_luminance=True))
    model.save(args.out, overwrite=args.overwrite)
    (h, w), (lh, lw) = model.hr_shape, model.lr_shape
    print(f"face set x{args.scale}: {model.n_faces} faces of {h}x{w} (inputs {lh}x{lw}) in "
          f"{time.perf_counter() - start:.1f} s -> {args.out}")


_COMMANDS = {
    "upscale": _cmd_upscale,
    "multiframe": _cmd_multiframe,
    "video": _cmd_video,
    "batch": _cmd_batch,
    "compare": _cmd_compare,
    "methods": _cmd_methods,
    "evaluate": _cmd_evaluate,
    "demo": _cmd_demo,
    "train": _cmd_train,
}


def main(argv=None):
    """Entry point of the ``classicsr`` command; returns the exit status."""
    from ._logging import configure, get_logger

    args = build_parser().parse_args(argv)
    level = get_logger().level
    handler = configure(args.verbose - args.quiet)
    try:
        return _run(args)
    finally:  # main() called in-process (tests, scripts) leaves logging as it was
        get_logger().removeHandler(handler)
        get_logger().setLevel(level)


def _run(args):
    """Run the parsed command; returns the exit status (see :func:`main`)."""
    try:
        with _warnings_on_one_line(args.command):
            _COMMANDS[args.command](args)
    except BrokenPipeError:  # e.g. 'classicsr methods | head': the reader left
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: still exit 130
        print("classicsr: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, never a traceback (see _error_message)
        print(f"classicsr {args.command}: error: {_error_message(exc)}", file=sys.stderr)
        return 1
    return 0


def _error_message(exc):
    """The one-line message of an error that ends a command.

    The library's own errors (``ValueError``, ``TypeError``, ``OSError``)
    already name the argument or file; a missing optional module says which
    extra to install; running out of memory says what to lower. Anything
    else is a bug: its type is named so that it can be reported.
    """
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, ModuleNotFoundError):
        text = str(exc)
        if "pip install" not in text:
            text += ('; install the optional dependencies with pip install '
                     '"classicsr[onnx,dask]" (see the README)')
        return text
    if isinstance(exc, MemoryError):
        return ("out of memory; use a smaller --scale, a smaller input, or a lower "
                "--max-memory so that the image is processed in smaller tiles")
    if isinstance(exc, (ValueError, TypeError, OSError, ImportError)):
        return " ".join(str(exc).split()) or type(exc).__name__
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text} (unexpected; please report it)"


def _silence_stdout():
    """After a broken pipe, send what Python still flushes at exit nowhere."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
