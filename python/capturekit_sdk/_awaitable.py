"""Awaitables between the native module and asyncio: the coroutine of an asyncio call, and
an async token provider's result run for the blocking client (no event loop runs there)."""

from __future__ import annotations

from typing import Any, Awaitable


async def coroutine(pending: Any) -> Any:
    """The coroutine of an asyncio call: the request starts when this is awaited or
    scheduled, as with any ``async def``, never when the method is called."""
    return await pending.start()


async def ready(value: Any) -> Any:
    """An awaitable of a value known already (``async with``'s enter and exit)."""
    return value


def run(awaitable: Awaitable[str]) -> str:
    """The value of ``awaitable``, run to its end on a new event loop."""
    # Imported here: asyncio is most of an import's time, and blocking users without an
    # async token provider never need it.
    import asyncio

    async def wait() -> str:
        return await awaitable

    return asyncio.run(wait())
