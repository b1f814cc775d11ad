"""The Zeyde patch features: the fused test-time projection equals the
filter-then-project definition, borders included."""

import numpy as np
import pytest

from classicsr.patches import (PatchGrid, extract_features, extract_patches, feature_stencil,
                               filter_same, overlap_add, project_features)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_project_features_equals_filtered_features_times_projection(scale):
    rng = np.random.default_rng(scale)
    # Small and oddly shaped, so that most patches touch a border, where the
    # filters' zero padding matters.
    image = rng.random((5 * scale + 7, 4 * scale + 5))
    grid = PatchGrid.build(image.shape, scale, overlap=2)
    projection = rng.standard_normal((4 * grid.size ** 2, 29))
    expected = extract_features(image, grid, scale) @ projection
    exact = project_features(image, grid, scale, projection, dtype=np.float64)
    np.testing.assert_allclose(exact, expected, rtol=0, atol=1e-12)
    single = project_features(image, grid, scale, projection)
    assert single.dtype == np.float32 and single.shape == expected.shape
    np.testing.assert_allclose(single, expected, rtol=0, atol=2e-5 * np.abs(expected).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_patch_s_features_do_not_depend_on_its_place_in_the_grid(dtype):
    # The kernel sums 4 patches of a row at once in registers and the last
    # ones of the row one by one: the same sums, bit for bit, so a tile of
    # an image has the features of the whole. Crops starting 0-4 LR pixels
    # further right move every patch through both paths.
    scale = 3
    rng = np.random.default_rng(7)
    image = rng.random((40, 75))
    projection = rng.standard_normal((4 * (3 * scale) ** 2, 30))
    whole_grid = PatchGrid.build(image.shape, scale, overlap=2)
    whole = project_features(image, whole_grid, scale, projection, dtype=dtype)
    whole = whole.reshape(whole_grid.rows.size, whole_grid.cols.size, -1)
    for shift in range(1, 5):
        crop = image[:, shift * scale:]
        grid = PatchGrid.build(crop.shape, scale, overlap=2)
        part = project_features(crop, grid, scale, projection, dtype=dtype)
        part = part.reshape(grid.rows.size, grid.cols.size, -1)
        # away from the crop's new left border (the filters reach 2 patches)
        np.testing.assert_array_equal(part[:, 2:], whole[:, shift + 2:shift + grid.cols.size])


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_feature_stencil_is_the_cross_the_filters_reach(scale):
    size = 3 * scale
    projection = np.eye(4 * size * size)
    dy, dx, weights = feature_stencil(scale, size, projection)
    # size rows widened by scale on both sides, and 2 * scale rows of size
    width = size + 2 * scale
    assert dy.size == size * width + 2 * scale * size
    inner = (dy >= scale) & (dy < scale + size)
    assert dx[inner].min() == 0 and dx[inner].max() == width - 1
    assert dx[~inner].min() == scale and dx[~inner].max() == scale + size - 1
    # With the identity projection the weights are the filters' impulse
    # responses: a horizontal gradient tap of the pixel right of the patch.
    impulse = np.zeros((width, width))
    impulse[scale, scale + size] = 1.0
    tap = np.flatnonzero((dy == scale) & (dx == scale + size))[0]
    kernel = np.array([1.0] + [0.0] * (scale - 1) + [-1.0])
    gradient = filter_same(impulse, kernel, 1)[scale:scale + size, scale:scale + size]
    np.testing.assert_array_equal(weights[tap, :size * size], gradient.ravel())


def test_weighted_overlap_add_is_the_weighted_mean_of_the_covering_patches():
    grid = PatchGrid.build((20, 23), 2)
    rng = np.random.default_rng(0)
    patches = rng.normal(size=(grid.count, grid.size ** 2))
    weights = rng.uniform(0.1, 2.0, grid.count)
    image, covered = overlap_add(patches, grid, weights)
    num = np.zeros(grid.shape)
    den = np.zeros(grid.shape)
    for i, (r, c) in enumerate((r, c) for r in grid.rows for c in grid.cols):
        num[r:r + grid.size, c:c + grid.size] += weights[i] * patches[i].reshape(grid.size, -1)
        den[r:r + grid.size, c:c + grid.size] += weights[i]
    np.testing.assert_allclose(image[covered], num[covered] / den[covered], rtol=1e-12)
    assert np.array_equal(covered, den > 0)
    # Equal weights are the plain average; patches of one image come back.
    np.testing.assert_allclose(overlap_add(patches, grid, np.full(grid.count, 3.0))[0],
                               overlap_add(patches, grid)[0], rtol=1e-12)
    flat = rng.normal(size=grid.shape)
    back, covered = overlap_add(extract_patches(flat, grid), grid, weights)
    np.testing.assert_allclose(back[covered], flat[covered], rtol=1e-12)
    with pytest.raises(ValueError, match="weights"):
        overlap_add(patches, grid, weights[:-1])
