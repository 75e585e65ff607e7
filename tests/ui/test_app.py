"""The app's command line: host and port come from Gradio's environment variables unless
``--host``/``--port`` say otherwise; a bad port is a usage error that names the option."""

from __future__ import annotations

import pytest

import app


class TestServerAddress:
    def test_defaults_without_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
        monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
        args = app.parse_args([])
        assert (args.host, args.port) == ("127.0.0.1", 7860)

    def test_environment_sets_host_and_port(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
        monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
        args = app.parse_args([])
        assert (args.host, args.port) == ("0.0.0.0", 7999)

    def test_options_override_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
        monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
        args = app.parse_args(["--host", "127.0.0.2", "--port", "8001"])
        assert (args.host, args.port) == ("127.0.0.2", 8001)

    def test_bad_port_variable_is_a_usage_error(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("GRADIO_SERVER_PORT", "http")
        with pytest.raises(SystemExit) as exit_info:
            app.parse_args([])
        assert exit_info.value.code == 2
        assert "argument --port: invalid int value: 'http'" in capsys.readouterr().err


class TestLimits:
    @pytest.mark.parametrize(
        ("argv", "words"),
        [
            (["--media-slots", "0"], "--media-slots must be at least 1, got 0"),
            (["--max-upload-mb", "-3"], "--max-upload-mb must be at least 1, got -3"),
            (["--max-datasets-mb", "0"], "--max-datasets-mb must be at least 1, got 0"),
            (["--idle-minutes", "0"], "--idle-minutes must be more than 0, got 0.0"),
            (["--idle-minutes", "nan"], "--idle-minutes must be more than 0, got nan"),
        ],
    )
    def test_a_limit_out_of_range_is_a_usage_error(
        self, argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as exit_info:
            app.parse_args(argv)
        assert exit_info.value.code == 2
        assert words in capsys.readouterr().err

    def test_settings_carry_the_limits(self, tmp_path: object) -> None:
        from pathlib import Path

        settings = app.make_settings(
            Path(str(tmp_path)), 50, media_slots=3, idle_session_s=90, max_datasets_mb=70
        )
        assert (settings.max_upload_mb, settings.media_slots, settings.idle_session_s) == (
            50,
            3,
            90,
        )
        assert settings.max_datasets_mb == 70
        assert app.parse_args(["--max-datasets-mb", "70"]).max_datasets_mb == 70
        assert settings.cache_dir == settings.data_dir / "cache"
        assert settings.sessions_dir == settings.data_dir / "sessions"

    def test_the_gradio_cache_is_inside_the_data_folder(
        self, tmp_path: object, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from pathlib import Path

        import gradio.utils

        monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)  # restored after the test

        settings = app.make_settings(Path(str(tmp_path)) / "data")
        app.build_app(settings)
        folder = Path(gradio.utils.get_upload_folder()).resolve()
        assert folder == settings.cache_dir


def test_help_reads_as_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        app.parse_args(["--help"])
    out = capsys.readouterr().out
    assert "``" not in out
    assert "choose, measure and record robot camera streams" in out
    for option in ("--data-dir", "--max-upload-mb", "--media-slots", "--idle-minutes"):
        assert option in out
