"""Runs an async token provider's result for the blocking client (no event loop runs there)."""

from __future__ import annotations

from typing import Awaitable


def run(awaitable: Awaitable[str]) -> str:
    """The value of ``awaitable``, run to its end on a new event loop."""
    # Imported here: asyncio is most of an import's time, and blocking users without an
    # async token provider never need it.
    import asyncio

    async def wait() -> str:
        return await awaitable

    return asyncio.run(wait())
