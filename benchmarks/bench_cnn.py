"""Quality and speed of the CNNs (srcnn, fsrcnn, espcn) against aplus and bicubic.

For each method and scale: the Set5 / Set14 PSNR under the paper protocol
(``classicsr.evaluate``) with the shipped models, next to the published
values of ``../shared/reference/paper_tables.csv``, and the seconds per
Set14 image (mean over the images of the median of ``--repeats`` calls of
``classicsr.upscale`` on the LR Y channel; models loaded and ONNX Runtime
sessions created beforehand). The CNNs are timed with the CPU execution
provider and, when ONNX Runtime offers it, with CUDA (the GPU's name is
recorded); on CUDA the table adds the mean first call on each image (a new
input size: cuDNN sets the convolutions up again), the PSNR computed from the
CUDA outputs, and the JSON the largest difference from the CPU outputs; the
run stops if ONNX Runtime does not really run the networks on CUDA. A
method without a model at a scale (espcn was first shipped at x3 only) is
skipped with a note. Prints a
table and writes JSON (``benchmarks/results/cnn.json``) and Markdown
(``benchmarks/results/cnn.md``; the H200 run is ``cnn_h200.*``).

    python benchmarks/bench_cnn.py [--scales 2 3 4] [--repeats 3]
"""

import argparse
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from _common import published, write_json

import classicsr
from classicsr.cnn.baselines import load_cnn
from classicsr.datasets import find_data_root, hr_images
from classicsr.io import atomic_write_bytes, read_image
from classicsr.modelstore import has_default_model
from classicsr.protocol import hr_luminance

HERE = Path(__file__).resolve().parent
METHODS = ("bicubic", "aplus", "srcnn", "fsrcnn", "espcn")
CNNS = ("srcnn", "fsrcnn", "espcn")
#: Published rows shown next to each method.
PUBLISHED = {"bicubic": "bicubic", "aplus": "aplus", "srcnn": "srcnn_eccv2014"}


def gpu_name(query="name"):
    """The first GPU's ``query`` fields from nvidia-smi, or None without one."""
    try:
        out = subprocess.run(["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def set14_inputs(root, scale):
    inputs = []
    for path in hr_images(root / "Set14", scale):
        y = classicsr.modcrop(hr_luminance(read_image(path)), scale) / 255.0
        inputs.append(classicsr.imresize(y, 1.0 / scale))
    return inputs


def seconds_per_image(method, scale, inputs, repeats, options):
    """Mean over ``inputs`` of the median of ``repeats`` timed calls, the mean
    time of the first call on each image (on CUDA it includes cuDNN's
    algorithm search for a new input shape), and the outputs."""
    classicsr.upscale(inputs[0], scale, method, **options)  # load model / session
    times, firsts, outputs = [], [], []
    for lr in inputs:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            out = classicsr.upscale(lr, scale, method, **options)
            runs.append(time.perf_counter() - start)
        times.append(float(np.median(runs)))
        firsts.append(runs[0])
        outputs.append(out)
    return float(np.mean(times)), float(np.mean(firsts)), outputs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=str(HERE / "results" / "cnn.json"))
    parser.add_argument("--markdown", default=str(HERE / "results" / "cnn.md"))
    args = parser.parse_args(argv)
    root = find_data_root()
    if root is None:
        parser.error("Set5/Set14 not found: set CLASSICSR_DATA")
    import onnxruntime

    paper = published(root.parent / "reference", missing_ok=True)
    devices = [("cpu", {"providers": ["CPUExecutionProvider"]})]
    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        devices.append(("cuda", {"providers": ["CUDAExecutionProvider"]}))
    rows = []
    for scale in args.scales:
        inputs = set14_inputs(root, scale)
        for method in args.methods:
            cnn = method in CNNS
            family = classicsr.get_method(method).model
            if family is not None and not has_default_model(family, scale):
                print(f"{method:8s} x{scale}: no model at this scale, skipped", flush=True)
                continue
            result = classicsr.evaluate(method, ["Set5", "Set14"], [scale], data_root=root,
                                        progress=False, **(devices[0][1] if cnn else {}))
            row = {"method": method, "scale": scale,
                   "psnr": {d: result.mean(d, scale) for d in ("Set5", "Set14")},
                   "published": {d: paper.get((PUBLISHED.get(method, method), d, scale))
                                 for d in ("Set5", "Set14")},
                   "seconds_per_set14_image": {}, "first_call_seconds": {}}
            outputs = {}
            for device, options in devices:
                if device != "cpu" and not cnn:
                    continue
                median, first, outputs[device] = seconds_per_image(
                    method, scale, inputs, args.repeats, options if cnn else {})
                row["seconds_per_set14_image"][device] = median
                row["first_call_seconds"][device] = first
                if device != "cpu":
                    used = load_cnn(method, scale, providers=options["providers"]).providers
                    if used[0] != options["providers"][0]:
                        raise SystemExit(f"{method} x{scale}: ONNX Runtime runs on {used}, "
                                         f"not {options['providers'][0]}")
                    other = classicsr.evaluate(method, ["Set5", "Set14"], [scale],
                                               data_root=root, progress=False, **options)
                    row[f"psnr_{device}"] = {d: other.mean(d, scale) for d in ("Set5", "Set14")}
                    row[f"max_abs_diff_{device}_vs_cpu"] = max(
                        float(np.max(np.abs(a - b))) for a, b in zip(outputs[device],
                                                                     outputs["cpu"]))
            rows.append(row)
            secs = ", ".join(f"{d} {s:.4f} s" for d, s in row["seconds_per_set14_image"].items())
            extra = "".join(f"  {k}: {v}" for k, v in row.items()
                            if k.startswith(("psnr_", "max_abs_diff")))
            print(f"{method:8s} x{scale} Set5 {row['psnr']['Set5']:.3f} Set14 "
                  f"{row['psnr']['Set14']:.3f}  per Set14 image: {secs}{extra}", flush=True)
    machine = {"cpu_count": os.cpu_count(), "platform": platform.platform(),
               "processor": platform.processor(), "classicsr": classicsr.__version__,
               "onnxruntime": onnxruntime.__version__,
               "providers": onnxruntime.get_available_providers(),
               "gpu": gpu_name() if len(devices) > 1 else None,
               "load_average_1min": os.getloadavg()[0]}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    write_json(args.json, {"machine": machine, "rows": rows})
    cuda = len(devices) > 1
    head = "| method | scale | Set5 PSNR | Set14 PSNR | s / Set14 image (CPU) |"
    if cuda:
        head += (" s / Set14 image (CUDA) | first call on a new size (CUDA) |"
                 " Set5 / Set14 PSNR on CUDA |")
    lines = [head, "|---" * (8 if cuda else 5) + "|"]
    for r in rows:
        cells = []
        for d in ("Set5", "Set14"):
            ref = r["published"][d]
            cells.append(f"{r['psnr'][d]:.2f}" + (f" ({ref:.2f})" if ref else ""))
        cells.append(f"{r['seconds_per_set14_image']['cpu']:.4f}")
        if cuda and "cuda" in r["seconds_per_set14_image"]:
            on_gpu = r["psnr_cuda"]
            cells += [f"{r['seconds_per_set14_image']['cuda']:.4f}",
                      f"{r['first_call_seconds']['cuda']:.4f}",
                      f"{on_gpu['Set5']:.2f} / {on_gpu['Set14']:.2f}"]
        elif cuda:
            cells += ["-", "-", "-"]
        lines.append(f"| {r['method']} | x{r['scale']} | " + " | ".join(cells) + " |")
    atomic_write_bytes(args.markdown, ("\n".join(lines) + "\n").encode(), overwrite=True)
    print("\n".join(lines))
    print(f"machine: {machine}")


if __name__ == "__main__":
    main()
