"""classicsr.dask: chunked upscaling equals the in-memory result exactly."""

import numpy as np
import pytest

import classicsr
from classicsr.modelstore import has_shipped_model

da = pytest.importorskip("dask.array", reason="the dask extra is not installed")
import classicsr.dask as csd  # noqa: E402

IMG = np.ascontiguousarray(
    __import__("skimage.data", fromlist=["astronaut"]).astronaut()[100:190, 150:260])
IRREGULAR = ((31, 9, 50), (12, 47, 40, 11), (3,))


def _single_methods(scale):
    for name in classicsr.available_methods():
        info = classicsr.get_method(name)
        if info.kind != "single" or info.name in ("srcnn", "fsrcnn"):
            continue  # the CNNs have their own tiling test (onnxruntime)
        if info.memory is None:
            continue  # whole-image methods (ia): refused chunked, tested apart
        if info.needs_model and not has_shipped_model(info.model, scale):
            continue
        yield name


@pytest.mark.parametrize("method", list(_single_methods(2)))
def test_every_method_equals_in_memory_x2(method):
    if method == "scsr":
        pytest.skip("scsr has its own (larger-halo) test below")
    ref = classicsr.upscale(IMG, 2, method)
    lazy = csd.upscale(da.from_array(IMG, chunks=IRREGULAR), 2, method)
    assert lazy.shape == ref.shape and lazy.dtype == ref.dtype
    np.testing.assert_array_equal(lazy.compute(scheduler="sync"), ref)


@pytest.mark.parametrize("method", ["bicubic", "aplus", "kmeans"])
@pytest.mark.parametrize("scale", [2, 3])
@pytest.mark.parametrize("chunks", [IRREGULAR, ((45, 45), (110,), (3,)), (20, 33, 3)])
def test_issue_methods_x2_x3_any_chunking(method, scale, chunks):
    ref = classicsr.upscale(IMG, scale, method)
    out = csd.upscale(da.from_array(IMG, chunks=chunks), scale, method).compute(
        scheduler="threads")
    np.testing.assert_array_equal(out, ref)


def test_grey_float_and_options_pass_through():
    # Float output agrees to rounding only: a chunk's resize weights come from
    # chunk-local coordinates (x / 3 rounds differently at another offset).
    grey = IMG[..., 1] / 255.0
    ref = classicsr.upscale(grey, 3, "lanczos3")
    out = csd.upscale(da.from_array(grey, chunks=(25, 40)), 3, "lanczos3").compute()
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)
    grey8 = IMG[..., 1]
    np.testing.assert_array_equal(
        csd.upscale(da.from_array(grey8, chunks=(25, 40)), 3, "lanczos3").compute(),
        classicsr.upscale(grey8, 3, "lanczos3"))
    ref_bp = classicsr.upscale(IMG[:40, :40], 2, "bicubic", backprojection=True)
    out_bp = csd.upscale(da.from_array(IMG[:40, :40], chunks=(40, 40, 3)), 2, "bicubic",
                         backprojection=True).compute()
    np.testing.assert_array_equal(out_bp, ref_bp)  # one chunk: nothing cut


@pytest.mark.slow
def test_scsr_with_its_halo():
    if not has_shipped_model("scsr", 3):
        pytest.skip("no shipped scsr x3 model")
    img = IMG[:80, :80]
    ref = classicsr.upscale(img, 3, "scsr")
    out = csd.upscale(da.from_array(img, chunks=(40, 40, 3)), 3, "scsr").compute()
    # Back-projection is global: a 32-pixel halo leaves differences far below
    # one grey level before rounding, so at most a few pixels flip by 1.
    diff = np.abs(out.astype(int) - ref)
    assert diff.max() <= 1 and np.count_nonzero(diff) <= 0.001 * diff.size


def test_distributed_local_cluster():
    distributed = pytest.importorskip("distributed")
    ref = classicsr.upscale(IMG, 2, "aplus")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        out = client.compute(csd.upscale(da.from_array(IMG, chunks=IRREGULAR), 2,
                                         "aplus")).result()
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("fmt, name", [("zarr", "out.zarr"), ("tiff", "out.tif")])
def test_upscale_file_lazy_tiff_to_chunked_output(tmp_path, fmt, name):
    tifffile = pytest.importorskip("tifffile")
    pytest.importorskip("zarr")
    src = tmp_path / "big.tif"
    img = np.tile(IMG, (3, 3, 1))
    tifffile.imwrite(src, img, tile=(64, 64), photometric="rgb")
    dst = csd.upscale_file(src, tmp_path / name, 2, "bicubic", chunks=100)
    ref = classicsr.upscale(img, 2, "bicubic")
    if fmt == "zarr":
        import zarr

        out = np.asarray(zarr.open(str(dst), mode="r"))
    else:
        out = tifffile.imread(dst)
        assert tifffile.TiffFile(dst).pages[0].is_tiled
    np.testing.assert_array_equal(out, ref)
    with pytest.raises(FileExistsError, match="overwrite"):
        csd.upscale_file(src, tmp_path / name, 2, "bicubic")


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((IMG, 2), {}, TypeError, "dask.array.Array"),
    ((None, 2), {}, TypeError, "dask.array.Array"),
    (("lazy", 1.5), {}, ValueError,
     "scale must be an integer factor, got 1.5 .*needs an integer factor >= 1"),
    (("lazy", 0), {}, ValueError,
     "scale must be a finite number > 0, got 0 .*needs an integer factor >= 1"),
    (("lazy", 2, "nope"), {}, ValueError, "nope"),
    (("lazy", 2), {"halo": -1}, ValueError, "halo"),
    (("lazy", 2), {"halo": 2.5}, TypeError, "halo"),
])
def test_bad_input(args, kwargs, error, match):
    if isinstance(args[0], str):
        args = (da.from_array(IMG, chunks=50),) + args[1:]
    with pytest.raises(error, match=match):
        csd.upscale(*args, **kwargs)


def test_bad_array_shapes_and_dtypes():
    with pytest.raises(ValueError, match="shape"):
        csd.upscale(da.zeros((4, 4, 4, 1), chunks=2), 2)
    with pytest.raises(ValueError, match="shape"):
        csd.upscale(da.zeros((4, 4, 2), chunks=2), 2)
    with pytest.raises(ValueError, match="int64"):
        csd.upscale(da.zeros((4, 4), dtype=np.int64, chunks=2), 2)


@pytest.mark.parametrize("method", ["srcnn", "fsrcnn"])
def test_cnn_methods_equal_in_memory_x3(method):
    pytest.importorskip("onnxruntime", reason='needs pip install "classicsr[onnx]"')
    if not has_shipped_model(method, 3):
        pytest.skip(f"no shipped {method} x3 model")
    ref = classicsr.upscale(IMG, 3, method)
    out = csd.upscale(da.from_array(IMG, chunks=IRREGULAR), 3, method).compute()
    np.testing.assert_array_equal(out, ref)


def test_upscale_file_refuses_what_it_cannot_read_lazily(tmp_path):
    from classicsr.io import write_image

    png = tmp_path / "x.png"
    write_image(png, np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="reads TIFF files .* and Zarr arrays"):
        csd.upscale_file(png, tmp_path / "y.zarr", 2)
    folder = tmp_path / "not_zarr"
    folder.mkdir()
    with pytest.raises(ValueError, match="is not a Zarr array"):
        csd.upscale_file(folder, tmp_path / "z.zarr", 2)


def test_whole_image_methods_are_refused_chunk_by_chunk():
    """IA uses the whole image (self-similarities, back-projection): never chunked."""
    with pytest.raises(ValueError, match="cannot run chunk by chunk"):
        csd.upscale(da.from_array(IMG, chunks=(45, 55, 3)), 3, "ia")
