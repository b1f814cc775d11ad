"""Reading real inputs for multi-frame reconstruction: video files (PyAV), frame folders,
damaged files, and the registration-quality warning.

Every video is written here with PyAV into ``tmp_path`` (no binary fixtures), except the
clips of ``../shared/data/video`` (skipped when absent).
"""

import warnings

import av
import numpy as np
import pytest
from skimage import data

from classicsr.cli import main
from classicsr.io import read_image, write_image
from classicsr.multiframe import read_frames, reconstruct, register, simulate, upscale_frames
from classicsr.multiframe.io import natural_key
from classicsr.multiframe.registration import (QUALITY_THRESHOLD, poor_frames,
                                               registration_quality)

from video_clips import write_video


def has_encoder(name):
    return name in av.codecs_available and _encodes(name)


def _encodes(name):
    try:
        av.codec.Codec(name, "w")
    except Exception:  # noqa: BLE001 -- any failure means: not available in this build
        return False
    return True


def colour_clip(n=6, shape=(57, 49)):
    """``n`` RGB frames of a moving astronaut crop; odd width (padded AVI rows)."""
    base = data.astronaut()[100:100 + shape[0] + 16, 150:150 + shape[1] + 16]
    return [np.ascontiguousarray(base[k:k + shape[0], 2 * k:2 * k + shape[1]])
            for k in range(n)]


def moving_clip(n=6):
    """Frames with sub-pixel motion (simulate), uint8 RGB, 48x48."""
    frames, _ = simulate(data.astronaut()[100:196, 100:196], 2, n_frames=n, seed=0)
    return list(frames)


# --- video formats ------------------------------------------------------------------------

def test_uncompressed_bgr24_avi_is_read_exactly(tmp_path):
    # OpenCV 5's VideoCapture aborted the interpreter on these files (malloc_consolidate)
    clip = colour_clip()
    path = write_video(tmp_path / "raw.avi", clip, "rawvideo", "bgr24")
    frames = read_frames(path)
    assert len(frames) == len(clip)
    for got, want in zip(frames, clip):
        assert got.dtype == np.uint8 and got.shape == (57, 49, 3)
        np.testing.assert_array_equal(got, want)  # lossless, RGB order, rows unpadded


def test_mjpeg_avi(tmp_path):
    clip = colour_clip(shape=(48, 64))
    frames = read_frames(write_video(tmp_path / "mjpeg.avi", clip, "mjpeg", "yuvj420p"),
                         max_frames=4)
    assert len(frames) == 4 and frames[0].shape == (48, 64, 3) and frames[0].dtype == np.uint8
    assert np.abs(frames[0].astype(int) - clip[0]).mean() < 8  # RGB order, lossy codec


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_h264_mp4_and_mov(tmp_path, suffix):
    codec = "libx264" if has_encoder("libx264") else "mpeg4"
    clip = colour_clip(shape=(48, 64))
    frames = read_frames(write_video(tmp_path / f"clip{suffix}", clip, codec, "yuv420p"))
    assert len(frames) == len(clip) and frames[0].shape == (48, 64, 3)
    assert np.abs(frames[-1].astype(int) - clip[-1]).mean() < 8


def test_16_bit_stream_gives_uint16_frames(tmp_path):
    clip = [(f.astype(np.uint16) * 257 + 3) for f in colour_clip(n=3, shape=(32, 40))]
    frames = read_frames(write_video(tmp_path / "deep.mov", clip, "png", "rgb48be"))
    assert frames[0].dtype == np.uint16
    np.testing.assert_array_equal(frames[2], clip[2])


def test_grey_stored_as_three_equal_channels_is_read_as_grey(tmp_path):
    grey = [f[..., 0] for f in colour_clip()]
    path = write_video(tmp_path / "grey.avi", [np.dstack([g] * 3) for g in grey], "rawvideo",
                       "bgr24")
    frames = read_frames(path)
    assert frames[0].shape == (57, 49) and frames[0].dtype == np.uint8
    np.testing.assert_array_equal(frames[3], grey[3])
    # one frame with colour keeps the whole clip RGB
    clip = [np.dstack([g] * 3) for g in grey]
    clip[4] = colour_clip()[4]
    frames = read_frames(write_video(tmp_path / "mixed.avi", clip, "rawvideo", "bgr24"))
    assert frames[0].shape == (57, 49, 3)


# --- damaged files and wrong inputs ---------------------------------------------------------

def test_truncated_video_uses_the_frames_before_the_damage(tmp_path):
    path = write_video(tmp_path / "raw.avi", colour_clip(n=10), "rawvideo", "bgr24")
    whole = path.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole[:len(whole) // 2])
    with pytest.warns(UserWarning, match=r"cut\.avi' is truncated or damaged .*using the "
                                         r"4 frames decoded before the damage"):
        frames = read_frames(cut)
    assert len(frames) == 4
    np.testing.assert_array_equal(frames[3], colour_clip(n=10)[3])
    # enough frames requested before the damage: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_frames(cut, max_frames=3)) == 3
    cut.write_bytes(whole[:len(whole) // 8])  # the header and less than two frames
    with pytest.raises(ValueError, match=r"cannot read video '.*cut\.avi': truncated or "
                                         r"damaged file, .*needs at least 2 frames"):
        read_frames(cut)


def test_truncated_mp4_is_a_clear_error(tmp_path):
    path = write_video(tmp_path / "clip.mp4", colour_clip(shape=(48, 64)), "mpeg4", "yuv420p")
    whole = path.read_bytes()
    path.write_bytes(whole[:len(whole) // 2])  # the index (moov) is at the end: lost
    with pytest.raises(ValueError, match=r"cannot open video '.*clip\.mp4'"):
        read_frames(path)


def test_not_a_video(tmp_path):
    fake = tmp_path / "notes.avi"
    fake.write_text("these are my notes, not a video\n" * 10)
    with pytest.raises(ValueError, match=r"cannot open video '.*notes\.avi': not a video"):
        read_frames(fake)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"cannot open video '.*empty\.mp4'"):
        read_frames(empty)


def test_unreadable_stream_and_no_video_stream(tmp_path):
    path = write_video(tmp_path / "clip.avi", colour_clip(), "mjpeg", "yuvj420p")
    raw = path.read_bytes()
    assert b"MJPG" in raw
    unknown = tmp_path / "unknown.avi"
    unknown.write_bytes(raw.replace(b"MJPG", b"XQZW"))  # a codec FFmpeg does not know
    with pytest.raises(ValueError, match=r"cannot decode video '.*unknown\.avi'.*codec"):
        read_frames(unknown)
    sound = tmp_path / "sound.wav"
    with av.open(str(sound), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16",
                                           layout="mono")
        frame.sample_rate = 8000
        for packet in list(stream.encode(frame)) + list(stream.encode()):
            container.mux(packet)
    with pytest.raises(ValueError, match=r"sound\.wav'.*no video stream \(streams: audio\)"):
        read_frames(sound)


def test_single_frame_video_is_refused(tmp_path):
    path = write_video(tmp_path / "one.avi", colour_clip(n=1), "rawvideo", "bgr24")
    with pytest.raises(ValueError, match=r"one\.avi' holds a single frame"):
        read_frames(path)


def test_max_frames_larger_than_the_clip_gives_all_frames(tmp_path):
    path = write_video(tmp_path / "raw.avi", colour_clip(n=5), "rawvideo", "bgr24")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_frames(path, max_frames=50)) == 5


# --- frame folders --------------------------------------------------------------------------

def test_natural_key():
    names = ["f_10.png", "f_2.png", "f_1.png", "F_3.png", "f_02.png", "g.png"]
    assert sorted(names, key=natural_key) == ["f_1.png", "f_02.png", "f_2.png", "F_3.png",
                                              "f_10.png", "g.png"]


def test_folder_natural_order_and_other_files_ignored(tmp_path):
    clip = moving_clip(3)
    for name, frame in zip(["f_10.png", "f_2.png", "f_1.png"], clip[::-1]):  # f_1: clip[0]
        write_image(tmp_path / name, frame)
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / "sub").mkdir()
    write_image(tmp_path / "sub" / "f_0.png", clip[0])
    (tmp_path / "._f_5.png").write_bytes(b"macOS resource fork")  # hidden: ignored
    frames = read_frames(tmp_path)
    # f_1, f_2, f_10 hold clip[0], clip[1], clip[2]; name order would put f_10 second
    assert len(frames) == 3
    for got, want in zip(frames, clip):
        np.testing.assert_array_equal(got, want)


def test_folder_unreadable_image_is_reported(tmp_path):
    for k, frame in enumerate(moving_clip(3)):
        write_image(tmp_path / f"f_{k}.png", frame)
    (tmp_path / "f_7.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"cannot read 1 of the 4 images taken from folder "
                                         r"'.*': f_7\.png \(cannot decode"):
        read_frames(tmp_path)
    assert len(read_frames(tmp_path, max_frames=3)) == 3  # f_7 not taken


def test_folder_mixed_sizes_and_alpha(tmp_path):
    clip = moving_clip(3)
    write_image(tmp_path / "f_1.png", clip[0])
    write_image(tmp_path / "f_2.png", np.dstack([clip[1], np.full(clip[1].shape[:2], 128,
                                                                    np.uint8)]))
    with pytest.warns(UserWarning, match=r"alpha channel of 1 image\(s\).*f_2\.png"):
        frames = read_frames(tmp_path)
    np.testing.assert_array_equal(frames[1], clip[1])
    write_image(tmp_path / "f_3.png", clip[2][:40])
    with pytest.raises(ValueError, match=r"same size and type: f_1\.png is \(48, 48, 3\) uint8, "
                                         r"f_3\.png is \(40, 48, 3\)"):
        read_frames(tmp_path)


# --- registration quality -------------------------------------------------------------------

def test_registration_quality_and_warning_on_a_flat_sequence():
    flat, _ = simulate(np.full((96, 96), 0.5), 2, n_frames=5, seed=0)
    motion, quality = register(flat, return_quality=True)
    assert quality.shape == (5,) and quality[0] == 1.0
    assert quality[1:].max() < QUALITY_THRESHOLD and poor_frames(quality) == [1, 2, 3, 4]
    np.testing.assert_allclose(registration_quality(flat, motion), quality)
    with pytest.warns(UserWarning, match=r"registration failed or is unreliable for 4 of 5 "
                                         r"frames: 1 \(-?0\.\d\d\), 2 "):
        reconstruct(flat, 2, method="shift_add")


def test_no_warning_and_same_result_when_registration_is_fine():
    frames, truth = simulate(data.astronaut()[100:196, 100:196], 2, n_frames=5, seed=0)
    motion, quality = register(frames, return_quality=True)
    assert quality[1:].min() > 0.9
    np.testing.assert_array_equal(motion, register(frames))
    assert registration_quality(frames, truth).min() > 0.9  # known motion too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = reconstruct(frames, 2, method="shift_add")
    np.testing.assert_array_equal(out, reconstruct(frames, 2, method="shift_add", motion=motion))


def test_registration_quality_of_unrelated_frames():
    rng = np.random.default_rng(0)
    frames = moving_clip(2) + [rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)]
    quality = register(frames, return_quality=True)[1]
    assert quality[1] > 0.9 and quality[2] < QUALITY_THRESHOLD


# --- command line ---------------------------------------------------------------------------

def test_cli_reads_an_uncompressed_avi(tmp_path, capsys):
    video = write_video(tmp_path / "burst.avi", moving_clip(6), "rawvideo", "bgr24")
    out = tmp_path / "sr.png"
    assert main(["multiframe", str(video), str(out), "--scale", "2", "--method", "shift_add",
                 "--frames", "4"]) == 0
    printed = capsys.readouterr()
    assert "4 frames of (48, 48, 3)" in printed.out and "registration quality" in printed.out
    assert printed.err == ""
    result = read_image(out)
    assert result.shape == (96, 96, 3)
    # the CLI registers first to print the quality: the result is upscale_frames'
    expected = upscale_frames(read_frames(video, max_frames=4), 2, method="shift_add")
    np.testing.assert_array_equal(result, expected)


def test_cli_frames_larger_than_the_clip(tmp_path, capsys):
    video = write_video(tmp_path / "short.avi", moving_clip(3), "rawvideo", "bgr24")
    out = tmp_path / "sr.png"
    assert main(["multiframe", str(video), str(out), "--scale", "2", "--method", "shift_add",
                 "--frames", "50"]) == 0
    printed = capsys.readouterr().out
    assert "has only 3 frames; using all of them (--frames 50)" in printed
    assert "3 frames of (48, 48, 3)" in printed and out.exists()


def test_cli_warns_about_poor_registration(tmp_path, capsys):
    flat, _ = simulate(np.full((96, 96), 128, np.uint8), 2, n_frames=4, seed=0)
    video = write_video(tmp_path / "flat.avi", [np.dstack([f] * 3) for f in flat], "rawvideo",
                        "bgr24")
    out = tmp_path / "sr.png"
    assert main(["multiframe", str(video), str(out), "--scale", "2", "--method",
                 "shift_add"]) == 0
    printed = capsys.readouterr()
    assert "registration quality per frame" in printed.out
    assert "warning: registration failed or is unreliable for 3 of 4 frames" in printed.err
    assert read_image(out).shape == (96, 96)  # grey stored as three equal channels


def test_cli_warns_about_a_truncated_video(tmp_path, capsys):
    video = write_video(tmp_path / "raw.avi", moving_clip(10), "rawvideo", "bgr24")
    whole = video.read_bytes()
    video.write_bytes(whole[:len(whole) * 6 // 10])
    out = tmp_path / "sr.png"
    assert main(["multiframe", str(video), str(out), "--scale", "2", "--method",
                 "shift_add"]) == 0
    printed = capsys.readouterr()
    assert "truncated or damaged" in printed.err and "using the 5 frames" in printed.err
    assert "5 frames of (48, 48, 3)" in printed.out and out.exists()


def _head(path, fraction):
    """The first 1/``fraction`` of the bytes of ``path``."""
    whole = path.read_bytes()
    return whole[:len(whole) // fraction]


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("not a video\n" * 50), "cannot open video"),
    (lambda p: p.write_bytes(_head(write_video(p, colour_clip(n=10), "rawvideo", "bgr24"), 8)),
     "truncated or damaged file"),
])
def test_cli_errors_are_one_line_and_leave_no_output(tmp_path, capsys, make, message):
    video = tmp_path / "input.avi"
    make(video)
    out = tmp_path / "sr.png"
    assert main(["multiframe", str(video), str(out), "--scale", "2"]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "input.avi" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))


# --- the clips of ../shared/data/video --------------------------------------------------------

SHARED_CLIPS = {  # name: (frames, frame shape)
    "Book_case1_small.avi": (30, (91, 121, 3)),
    "Emily.avi": (82, (96, 128)),
    "alpaca.avi": (55, (96, 128)),
    "disk.avi": (26, (57, 49)),
    "pcb_zoom_out_slow.mp4": (76, (848, 464, 3)),
    "text.avi": (30, (57, 49)),
}


@pytest.fixture(scope="module")
def video_dir(data_root):
    folder = data_root / "video"
    if not folder.is_dir():
        pytest.skip(f"the shared video clips are not there: {folder}")
    return folder


@pytest.mark.shared_data
@pytest.mark.parametrize("name", sorted(SHARED_CLIPS))
def test_shared_clips_are_read(video_dir, name):
    count, shape = SHARED_CLIPS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames = read_frames(video_dir / name)
    assert len(frames) == count and frames[0].shape == shape and frames[0].dtype == np.uint8


@pytest.mark.shared_data
@pytest.mark.parametrize("name", sorted(n for n in SHARED_CLIPS if n.endswith(".avi")))
def test_cli_on_shared_clips(video_dir, tmp_path, capsys, name):
    # the uncompressed AVIs aborted the interpreter (exit 134) with OpenCV's VideoCapture
    out = tmp_path / "sr.png"
    assert main(["multiframe", str(video_dir / name), str(out), "--scale", "2",
                 "--frames", "8"]) == 0
    printed = capsys.readouterr()
    assert "8 frames" in printed.out and printed.err == ""  # registration fine: no warning
    count, shape = SHARED_CLIPS[name]
    assert read_image(out).shape[:2] == (2 * shape[0], 2 * shape[1])
