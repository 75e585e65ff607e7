"""``lerobot-video compare``: the table, the JSON document, and refused settings."""

from __future__ import annotations

from pathlib import Path

from cli.console import assert_one_line_error, run, run_json

SETTINGS = ("vcodec=h264,crf=23", "label=av1,vcodec=libsvtav1,crf=30,g=2")


def test_compare_prints_a_table_of_the_settings_and_png(tmp_path: Path) -> None:
    done = run("compare", "pusht", *SETTINGS, "--samples", "2", "--output-dir", "out",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "72 frames at 10 fps"
    assert "PSNR dB" in lines[1]
    assert [line.split()[0] for line in lines[2:]] == ["vcodec=h264,crf=23", "av1", "PNG"]


def test_compare_as_json_measures_each_setting(tmp_path: Path) -> None:
    found = run_json("compare", "pusht", *SETTINGS, "--samples", "2", "--output-dir", "out",
                     cwd=tmp_path)  # fmt: skip
    assert (found["num_frames"], found["fps"]) == (72, 10)
    h264, av1 = found["encodings"]
    assert (h264["label"], av1["label"]) == ("vcodec=h264,crf=23", "av1")
    assert (h264["config"]["vcodec"], h264["config"]["crf"]) == ("h264", 23)
    assert (av1["info"]["video.codec"], av1["info"]["video.g"]) == ("av1", 2)
    for encoding in (h264, av1):
        assert encoding["size_bytes"] == (tmp_path / encoding["path"]).stat().st_size
        assert encoding["size_bytes"] < found["png_size_bytes"]
        # crf 23-30 on this clip lands near 37 dB; 30 dB would mean a broken encode.
        assert encoding["mean_psnr_db"] > 30
        assert 0.9 < encoding["mean_ssim"] <= 1
        assert encoding["encode_fps"] > 0
        assert "quality" not in encoding  # per-frame arrays are left out


def test_extra_options_may_hold_commas(tmp_path: Path) -> None:
    setting = 'vcodec=h264,extra_options={"tune": "film", "profile": "high"},crf=20'
    found = run_json("compare", "pusht", setting, "--samples", "1", "--output-dir", "out",
                     cwd=tmp_path)  # fmt: skip
    config = found["encodings"][0]["config"]
    assert config["extra_options"] == {"tune": "film", "profile": "high"}
    assert config["crf"] == 20


def test_a_bad_crf_is_refused_with_exit_3(tmp_path: Path) -> None:
    done = run("compare", "pusht", "vcodec=h264,crf=-3", "crf=30", cwd=tmp_path)
    assert_one_line_error(done, 3, "crf must be a finite number >= 0")
    assert not (tmp_path / "lerobot-video-compare").exists()


def test_an_unknown_field_is_a_usage_error(tmp_path: Path) -> None:
    done = run("compare", "pusht", "vcodec=h264,crff=3", cwd=tmp_path)
    assert done.returncode == 2
    assert "unknown field 'crff'" in done.stderr
