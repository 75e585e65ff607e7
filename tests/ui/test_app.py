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
