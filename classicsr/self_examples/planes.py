"""Planar structure of an image: vanishing points, plane hypotheses, plane probabilities.

SelfExSR (Huang, Singh & Ahuja, CVPR 2015) guides its patch search with the
planes of man-made scenes, detected as in the authors' image completion
work (Huang, Kang, Ahuja & Kopf, "Image completion using planar structure
guidance", ACM TOG 33(4), SIGGRAPH 2014), following the authors' MATLAB
code (``sr_extract_plane``, ``sr_planar_structure_pyramid``):

1. line segments are detected and grouped into (at most three) vanishing
   points (VPs);
2. every pair of VPs is a plane hypothesis; its vanishing line ``l`` (the
   line through both VPs, scaled to ``l_3 = 1``) gives the rectifying
   homography ``[[1, 0, 0], [0, 1, 0], [l_1, l_2, 1]]``;
3. the plane's spatial density is the product of the two VPs' line
   densities (their segments drawn, then blurred five times by a 1x100
   Gaussian of sigma 50 in each direction, replicated borders); a
   fronto-parallel plane of constant density ``1e-4`` is added; the
   densities are normalised over the planes, ``0.1`` is added and they are
   normalised again (the posterior plane probabilities).

The authors detect the VPs with a Windows executable (``EdgeDetectTest.exe``)
whose source is not public. Here the segments come from OpenCV's LSD line
segment detector (von Gioi et al., IEEE TPAMI 2010; a maintained library
implementation), and the segments are grouped by sequential RANSAC: VP
hypotheses are the intersections of random pairs of segments, a segment
supports a VP when its end points lie within 1 pixel of the line from its
midpoint to the VP and within 5 degrees of it, a VP's score is the summed length of its
supporting segments, the best VP is refined by weighted least squares on
its segments, its segments are removed, and the search repeats. Written
here because no maintained Python package detects vanishing points. The
detection differs from the authors' executable; on the natural images of
Set5 / Set14 the planes move the PSNR by hundredths of a dB (see the README).
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["PlaneModel", "VanishingPoint", "detect_planes", "detect_vanishing_points",
           "level_planes"]

#: Largest number of vanishing points kept (the authors' files hold three).
MAX_VANISHING_POINTS = 3
#: Fewest supporting segments of a vanishing point.
MIN_SUPPORT = 8
#: Shortest segment (pixels) used.
MIN_SEGMENT_LENGTH = 4.0
#: A segment supports a vanishing point when its end points lie within
#: ``INLIER_DISTANCE`` pixels of the line joining its midpoint and the vanishing
#: point (the localisation error of the end points) and the angle between the
#: two is at most ``INLIER_ANGLE`` degrees (which bounds the tolerance of the
#: short segments).
INLIER_DISTANCE, INLIER_ANGLE = 1.0, 5.0
#: Alternations of least-squares refinement and support of a vanishing point.
REFINEMENTS = 5
#: Vanishing point hypotheses drawn per vanishing point.
HYPOTHESES = 500
#: Line density filter: length, sigma, passes (``opt.filterSize``, ``filterSigma``,
#: ``numFilterIter``).
FILTER_SIZE, FILTER_SIGMA, FILTER_PASSES = 100, 50.0, 5
#: Density of the fronto-parallel plane (``opt.fpPlaneProb``).
FRONTO_PARALLEL_DENSITY = 1e-4
#: Added to the normalised densities before normalising again (the authors' "blur").
POSTERIOR_FLOOR = 0.1


@dataclass(frozen=True)
class VanishingPoint:
    """A vanishing point and the line segments that support it.

    Attributes
    ----------
    position : ndarray, shape (3,)
        Homogeneous position in 0-based pixel coordinates ``(x, y, w)``,
        unit norm (``w`` near 0 for a point far away).
    segments : ndarray, shape (n, 5)
        The supporting segments ``x1, y1, x2, y2, length``.
    score : float
        The summed length of the segments.
    """

    position: np.ndarray
    segments: np.ndarray
    score: float


@dataclass(frozen=True)
class PlaneModel:
    """Plane hypotheses of an image (the authors' ``modelPlane``).

    Attributes
    ----------
    vanishing_lines : ndarray, shape (P, 3)
        ``(h7, h8, 1)`` of every plane, in 0-based pixel coordinates of the
        image; the last plane is the fronto-parallel one, ``(0, 0, 1)``.
    probability : ndarray, shape (H, W, P)
        Posterior probability of every plane at every pixel.
    vanishing_points : tuple of VanishingPoint
    """

    vanishing_lines: np.ndarray
    probability: np.ndarray
    vanishing_points: tuple

    @property
    def n_planes(self):
        return self.vanishing_lines.shape[0]


def _segments(img):
    """LSD segments ``(n, 5)``: ``x1, y1, x2, y2, length`` of the grey uint8 image."""
    import cv2

    detector = cv2.createLineSegmentDetector()
    found = detector.detect(img)[0]
    if found is None:
        return np.zeros((0, 5))
    seg = found.reshape(-1, 4).astype(np.float64)
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    keep = length >= MIN_SEGMENT_LENGTH
    return np.column_stack([seg[keep], length[keep]])


def _support(segments, vp):
    """Boolean mask of the segments that support ``vp`` (homogeneous): end points within
    ``INLIER_DISTANCE`` of the line from their midpoint to ``vp``, and within
    ``INLIER_ANGLE`` degrees of it (an end point at most ``L/2 sin(angle)`` away)."""
    mid = np.column_stack([(segments[:, 0] + segments[:, 2]) / 2,
                           (segments[:, 1] + segments[:, 3]) / 2, np.ones(len(segments))])
    line = np.cross(mid, vp)  # through the midpoint and the vanishing point
    norm = np.hypot(line[:, 0], line[:, 1])
    end = np.column_stack([segments[:, 0], segments[:, 1], np.ones(len(segments))])
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.abs((line * end).sum(axis=1)) / norm
    limit = np.minimum(INLIER_DISTANCE, segments[:, 4] / 2.0 * np.sin(np.radians(INLIER_ANGLE)))
    return np.nan_to_num(distance, nan=np.inf) <= limit


def _refine(segments, centre, spread):
    """Least-squares vanishing point of ``segments`` (weighted by length): the unit ``v``
    minimising ``sum L_i (l_i . v)^2`` over the segments' lines ``l_i``, in coordinates
    centred on ``centre`` and divided by ``spread`` (Hartley's normalisation, without
    which the algebraic error is dominated by the lines' offsets)."""
    ends = (segments[:, :4] - np.tile(centre, 2)) / spread
    p1 = np.column_stack([ends[:, 0], ends[:, 1], np.ones(len(ends))])
    p2 = np.column_stack([ends[:, 2], ends[:, 3], np.ones(len(ends))])
    lines = np.cross(p1, p2)
    lines /= np.hypot(lines[:, 0], lines[:, 1])[:, None]
    _, vectors = np.linalg.eigh((lines * segments[:, 4:5]).T @ lines)
    v = _geometric_refinement(vectors[:, 0], ends, segments[:, 4])
    return np.array([v[0] * spread + centre[0] * v[2], v[1] * spread + centre[1] * v[2], v[2]])


def _geometric_refinement(v, ends, length):
    """The unit ``v`` minimising ``sum L_i d_i^2``, ``d_i`` the distance of segment ``i``'s
    end point from the line through its midpoint and ``v`` (the maximum-likelihood
    estimate of Tardif, ICCV 2009), from the algebraic ``v``; SciPy's least squares
    over the two angles of ``v`` on the sphere."""
    from scipy.optimize import least_squares

    mid = np.column_stack([(ends[:, 0] + ends[:, 2]) / 2, (ends[:, 1] + ends[:, 3]) / 2,
                           np.ones(len(ends))])
    end = np.column_stack([ends[:, 0], ends[:, 1], np.ones(len(ends))])
    weight = np.sqrt(length)

    def point(angles):
        a, b = angles
        return np.array([np.sin(a) * np.cos(b), np.sin(a) * np.sin(b), np.cos(a)])

    def residuals(angles):
        line = np.cross(mid, point(angles))
        return weight * (line * end).sum(axis=1) / np.hypot(line[:, 0], line[:, 1])

    v = v if v[2] >= 0 else -v
    start = np.array([np.arccos(np.clip(v[2], -1.0, 1.0)), np.arctan2(v[1], v[0])])
    return point(least_squares(residuals, start, method="lm").x)


def detect_vanishing_points(img, *, random_state=0):
    """Vanishing points of an image by LSD segments and sequential RANSAC.

    Parameters
    ----------
    img : ndarray, shape (h, w) or (h, w, 3)
        uint8, uint16 or float in [0, 1].
    random_state : int
        Seed of the hypothesis sampling.

    Returns
    -------
    tuple of VanishingPoint, strongest first (at most three).

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((64, 64))
    >>> img[:, ::8] = 1.0  # vertical stripes: one vanishing point far above
    >>> vps = detect_vanishing_points(img)
    >>> len(vps), bool(abs(vps[0].position[1]) > 0.99)
    (1, True)
    """
    from .._image import to_unit
    from ..color import rgb2ycbcr

    x = to_unit(img)
    grey = rgb2ycbcr(x)[..., 0] if x.ndim == 3 else x
    grey = np.clip(np.round(grey * 255.0), 0, 255).astype(np.uint8)
    segments = _segments(grey)
    centre = np.array([(grey.shape[1] - 1) / 2.0, (grey.shape[0] - 1) / 2.0])
    spread = max(grey.shape) / 2.0
    rng = np.random.default_rng(random_state)
    found = []
    while len(found) < MAX_VANISHING_POINTS and len(segments) >= MIN_SUPPORT:
        p = segments[:, 4] / segments[:, 4].sum()
        pairs = np.array([rng.choice(len(segments), 2, replace=False, p=p)
                          for _ in range(HYPOTHESES)])
        h1 = np.column_stack([segments[:, 0], segments[:, 1], np.ones(len(segments))])
        h2 = np.column_stack([segments[:, 2], segments[:, 3], np.ones(len(segments))])
        lines = np.cross(h1, h2)
        best, best_score = None, 0.0
        for i, j in pairs:
            vp = np.cross(lines[i], lines[j])
            if not np.any(vp):
                continue
            score = segments[_support(segments, vp), 4].sum()
            if score > best_score:
                best, best_score = vp, score
        if best is None:
            break
        inliers = _support(segments, best)
        if inliers.sum() < MIN_SUPPORT:
            break
        vp = best / np.linalg.norm(best)
        for _ in range(REFINEMENTS):  # least squares on the support, then the support again
            vp = _refine(segments[inliers], centre, spread)
            vp /= np.linalg.norm(vp)
            support = _support(segments, vp)
            if np.array_equal(support, inliers) or support.sum() < MIN_SUPPORT:
                break
            inliers = support
        found.append(VanishingPoint(vp / np.linalg.norm(vp), segments[inliers].copy(),
                                    float(segments[inliers, 4].sum())))
        segments = segments[~inliers]
    return tuple(found)


def _line_density(shape, segments):
    """The segments drawn on a black image and blurred (the authors' ``imgLinesPosMap``)."""
    import cv2
    from scipy.ndimage import correlate1d

    drawn = np.zeros(shape)
    for x1, y1, x2, y2, _ in segments:
        cv2.line(drawn, (int(round(x1)), int(round(y1))), (int(round(x2)), int(round(y2))),
                 1.0, 1)
    offsets = np.arange(FILTER_SIZE) - (FILTER_SIZE - 1) / 2.0
    kernel = np.exp(-offsets ** 2 / (2.0 * FILTER_SIGMA ** 2))
    kernel /= kernel.sum()
    # MATLAB's imfilter centres an even kernel at floor((n + 1) / 2): origin -1 in SciPy
    for axis in (1, 0):
        for _ in range(FILTER_PASSES):
            drawn = correlate1d(drawn, kernel, axis=axis, mode="nearest", origin=-1)
    return drawn


def detect_planes(img, *, random_state=0):
    """Plane hypotheses and their probabilities (:class:`PlaneModel`) of an image.

    Every pair of detected vanishing points is a plane; the fronto-parallel
    plane is always the last. An image with fewer than two vanishing points
    has the fronto-parallel plane only.

    Parameters
    ----------
    img : ndarray, shape (h, w) or (h, w, 3)
    random_state : int
        Seed of the vanishing point detection.

    References
    ----------
    J.-B. Huang, S. B. Kang, N. Ahuja, J. Kopf, "Image completion using planar
    structure guidance", ACM TOG 33(4), 2014; J.-B. Huang, A. Singh,
    N. Ahuja, CVPR 2015.
    """
    shape = img.shape[:2]
    vps = detect_vanishing_points(img, random_state=random_state)
    densities = [_line_density(shape, vp.segments) for vp in vps]
    lines, maps = [], []
    for i in range(len(vps)):
        for j in range(i + 1, len(vps)):
            line = np.cross(vps[i].position, vps[j].position)
            if abs(line[2]) <= 1e-12 * np.linalg.norm(line):
                continue  # vanishing line through the origin: no (h7, h8, 1) form
            lines.append(line / line[2])
            maps.append(densities[i] * densities[j])
    lines.append(np.array([0.0, 0.0, 1.0]))
    maps.append(np.full(shape, FRONTO_PARALLEL_DENSITY))
    prob = np.stack(maps, axis=-1)
    prob /= prob.sum(axis=-1, keepdims=True)
    prob += POSTERIOR_FLOOR
    prob /= prob.sum(axis=-1, keepdims=True)
    return PlaneModel(np.array(lines), prob, vps)


def level_planes(model, shape, scale):
    """The plane state of a pyramid level of ``shape`` at ``scale`` times the image.

    Returns ``(h, acc, mlog)`` as the PatchMatch kernels take them
    (:mod:`classicsr.self_examples._kernels`): ``h`` ``(P, 2)`` the
    ``(h7, h8)`` in the level's coordinates (``sr_planar_structure_pyramid``
    divides them by the scale), ``acc`` ``(H, W, P)`` the cumulative plane
    probabilities resized (MATLAB bicubic) to the level and normalised, and
    ``mlog`` ``(P, H, W)`` minus their logarithms.
    """
    from ..resize._imresize import resize_trusted

    h = model.vanishing_lines[:, :2] / scale
    prob = resize_trusted(model.probability, output_shape=shape)
    prob = np.maximum(prob, np.finfo(np.float64).tiny)
    prob /= prob.sum(axis=-1, keepdims=True)
    acc = np.ascontiguousarray(np.cumsum(prob, axis=-1))
    mlog = np.ascontiguousarray(np.moveaxis(-np.log(prob), -1, 0))
    return np.ascontiguousarray(h), acc, mlog

