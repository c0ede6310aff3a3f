"""The pytest plugin of capturekit-sdk (entry point ``pytest11``): the fixture
``capturekit_emulator``, a fresh emulator for each test, stopped after it.

Options go in the marker ``capturekit_emulator``, as the keyword arguments of
:func:`capturekit_sdk.testing.start_emulator`::

    @pytest.mark.capturekit_emulator(manual_settle=True, seed=7)
    def test_pending_capture(capturekit_emulator):
        ...
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

MARKER = "capturekit_emulator"


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(**options): options of the test's capturekit emulator (capturekit_sdk.testing.start_emulator)")


@pytest.fixture
def capturekit_emulator(request: Any) -> Iterator[Any]:
    """A fresh capturekit emulator on a free loopback port (``capturekit_sdk.testing.Emulator``):
    ``.client()`` is a client pointed at it; the control API drives it."""
    # Imported here, so that a test session that never asks for the fixture never loads
    # the native module through the plugin.
    from capturekit_sdk.testing import start_emulator

    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and marker.args:
        raise TypeError(f"@pytest.mark.{MARKER} takes keyword arguments only, got {marker.args!r}")
    options = dict(marker.kwargs) if marker is not None else {}
    with start_emulator(**options) as emulator:
        yield emulator
