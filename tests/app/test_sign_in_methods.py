"""Which sign-in method to suggest and offer, and the device code's countdown."""

from __future__ import annotations

from tui.app.sign_in_methods import (
    APP,
    DEVICE,
    LOOPBACK,
    PASTE,
    available,
    countdown,
    loopback_problem,
    suggest,
)
from tui.core.model import Account

NOW = 1_790_000_000.0
LOCAL = Account(label="a", redirect_uri="http://localhost:8400")
WEB = Account(label="w", redirect_uri="https://app.example.com/callback")
APP_ONLY = Account(label="robot", flow="app")


def test_device_code_is_suggested_over_ssh_even_with_a_display() -> None:
    found = suggest(LOCAL, {"SSH_CONNECTION": "1 2 3 4", "DISPLAY": ":0"}, "linux")
    assert found.method == DEVICE and "SSH_CONNECTION" in found.reason


def test_device_code_is_suggested_without_a_display() -> None:
    found = suggest(LOCAL, {}, "linux")
    assert found.method == DEVICE and "DISPLAY" in found.reason and "WAYLAND" in found.reason


def test_with_a_display_the_local_browser_is_used() -> None:
    assert suggest(LOCAL, {"WAYLAND_DISPLAY": "wayland-0"}, "linux").method == LOOPBACK
    assert suggest(LOCAL, {}, "darwin").method == LOOPBACK
    assert suggest(WEB, {"DISPLAY": ":0"}, "linux").method == PASTE


def test_app_only_accounts_use_client_credentials_only() -> None:
    assert available(APP_ONLY) == [APP]
    assert suggest(APP_ONLY, {"SSH_CONNECTION": "x"}, "linux").method == APP
    assert available(LOCAL) == [DEVICE, PASTE, LOOPBACK]


def test_loopback_needs_a_local_http_redirect() -> None:
    assert loopback_problem(LOCAL) == ""
    assert "http://localhost" in loopback_problem(WEB)


def test_countdown() -> None:
    assert countdown(900) == "15:00"
    assert countdown(59.9) == "0:59"
    assert countdown(-5) == "0:00"
    assert countdown(3723) == "1:02:03"
