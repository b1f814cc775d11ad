"""Planar structure (vanishing points, planes) and SelfExSR's planar guidance."""

import numpy as np
import pytest

import classicsr
from classicsr._dispatch import usable_methods
from classicsr.self_examples import selfexsr
from classicsr.self_examples._kernels import compose, compose_plane
from classicsr.self_examples.planes import (
    detect_planes,
    detect_vanishing_points,
    level_planes,
)
from thread_counts import one_thread_and_all

# A checkerboard on a plane seen in perspective: plane coordinates (u, v) in [0, 1]^2 map to
# the image by H (columns receding to the right and up).
H = np.array([[150.0, 10.0, 20.0], [-20.0, 140.0, 30.0], [0.6, -0.3, 1.0]])


def _plane_image(size=(150, 180), squares=6, supersample=4):
    """The checkerboard rendered with 4x4 samples per pixel (antialiased, as a camera)."""
    n = supersample
    rows, cols = np.mgrid[0:size[0] * n, 0:size[1] * n].astype(np.float64)
    rows, cols = (rows + 0.5) / n - 0.5, (cols + 0.5) / n - 0.5
    plane = np.linalg.inv(H) @ np.stack([cols.ravel(), rows.ravel(), np.ones(cols.size)])
    u, v = plane[0] / plane[2], plane[1] / plane[2]
    board = (np.floor(u * squares) + np.floor(v * squares)) % 2
    inside = (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
    img = np.where(inside, 0.2 + 0.6 * board, 0.5).reshape(size[0], n, size[1], n).mean((1, 3))
    return (np.dstack([img, img * 0.9, img * 0.8]) * 255).round().astype(np.uint8)


def test_vanishing_points_of_a_perspective_checkerboard():
    img = _plane_image()
    vps = detect_vanishing_points(img)
    assert len(vps) == 2
    true = [H[:, 0], H[:, 1]]  # the images of the plane's directions at infinity
    for vp in vps:  # measured: cosines 0.999997 and 0.999983
        cosines = [abs(vp.position @ t) / np.linalg.norm(t) for t in true]
        assert max(cosines) > 0.99997, cosines
    model = detect_planes(img)
    assert model.n_planes == 2 and np.array_equal(model.vanishing_lines[-1], [0, 0, 1])
    line = np.linalg.inv(H).T @ [0.0, 0.0, 1.0]  # the plane's vanishing line
    found = model.vanishing_lines[0]
    # measured: 5.8 % and 5.4 % off (LSD segments of a 150 x 180 image)
    assert np.allclose(found[:2], line[:2] / line[2], rtol=0.065, atol=0.0)
    prob = model.probability
    assert prob.shape == img.shape[:2] + (model.n_planes,)
    assert np.allclose(prob.sum(axis=-1), 1.0) and prob.min() > 0.0


def test_no_planes_without_lines():
    flat = np.full((40, 50), 0.5)
    model = detect_planes(flat)
    assert model.vanishing_points == () and model.n_planes == 1
    assert np.allclose(model.probability, 1.0)


def test_compose_plane_is_the_plane_induced_homography():
    h7, h8, tx, ty, sx, sy = -0.003, 0.002, 50.0, 40.0, 120.0, 70.0
    t = np.empty(9)
    compose_plane(np.array([1.0, 0.0, 0.0, 1.0]), sx, sy, tx, ty, h7, h8, False, t)
    tform = t.reshape(3, 3, order="F")
    rect = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [h7, h8, 1.0]])

    def rectify(p):
        q = rect @ [p[0], p[1], 1.0]
        return q[:2] / q[2]

    shift = rectify((sx - 1, sy - 1)) - rectify((tx, ty))
    assert np.allclose(tform @ [0, 0, 1] / (tform @ [0, 0, 1])[2], [sx, sy, 1])
    for offset in ((2.0, -2.0), (-2.0, 1.0)):
        q = rectify((tx + offset[0], ty + offset[1])) + shift
        back = np.linalg.solve(rect, [q[0], q[1], 1.0])
        got = tform @ [offset[0], offset[1], 1.0]
        # the authors add 1 to the normalised translation: exact at the centre, 2e-3 off here
        assert np.allclose(got[:2] / got[2], back[:2] / back[2] + 1, atol=3e-3)
    # the fronto-parallel plane is the translation of compose()
    flat, plain = np.empty(9), np.empty(9)
    affine = np.array([1.3, 0.1, -0.2, 0.9])
    compose_plane(affine, sx, sy, tx, ty, 0.0, 0.0, True, flat)
    compose(affine, sx, sy, True, plain)
    assert np.allclose(flat, plain)


def test_level_planes():
    model = detect_planes(_plane_image())
    h, acc, mlog = level_planes(model, (300, 360), 2.0)
    assert np.allclose(h, model.vanishing_lines[:, :2] / 2.0)
    assert acc.shape == (300, 360, model.n_planes) and np.allclose(acc[..., -1], 1.0)
    assert np.all(np.diff(acc, axis=-1) > 0) and mlog.shape == (model.n_planes, 300, 360)
    assert np.allclose(np.exp(-mlog).sum(axis=0), 1.0)


def test_selfexsr_with_planes_is_seeded_and_thread_independent():
    hr = classicsr.modcrop(_plane_image((96, 120)), 2)
    lr = classicsr.imresize(hr, 0.5)
    assert detect_planes(lr).n_planes == 2  # the guidance is exercised
    one, many = one_thread_and_all(lambda: selfexsr(lr, 2))
    assert np.array_equal(one, many)
    assert not np.array_equal(many, selfexsr(lr, 2, planes=False))
    gain = (classicsr.psnr(hr, many, crop_border=2)
            - classicsr.psnr(hr, classicsr.upscale(lr, 2, method="bicubic"), crop_border=2))
    assert gain > 7.7  # measured +7.72 dB over bicubic
    with pytest.raises(TypeError, match="planes"):
        selfexsr(lr, 2, planes="yes")
    info = classicsr.available_methods()["selfexsr"]
    assert "planar" in info.description and info.scales == (2, 3, 4) and info.slow
    # in compare and demo, but not under their --fast
    assert "selfexsr" in usable_methods(3) and "selfexsr" not in usable_methods(3, fast=True)
