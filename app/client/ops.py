"""Binding the operations of :mod:`app.client.calls` to a client, once for sync and once for async.

``get_case = SyncOp(calls.get_case)`` in a client class gives ``client.get_case(exercise_id, case_id) -> CaseRead``
with the builder's own signature (type checkers see it through ``ParamSpec``); ``AsyncOp`` gives the same returning
an awaitable. ``SyncPages``/``AsyncPages`` turn a list operation into an iterator over every item of every page,
following ``next_cursor`` (a ``cursor`` given starts the walk there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, overload

from app.client.calls import Call, next_cursor
from app.core.pagination import Page

P = ParamSpec("P")
T = TypeVar("T")


class SyncSender(Protocol):
    def send(self, call: Call[T]) -> T: ...


class AsyncSender(Protocol):
    async def send(self, call: Call[T]) -> T: ...


def _named(fn: Any, build: Callable[..., Any]) -> None:
    fn.__name__ = build.__name__
    fn.__qualname__ = build.__qualname__
    fn.__doc__ = build.__doc__


class SyncOp(Generic[P, T]):
    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> SyncOp[P, T]: ...
    @overload
    def __get__(self, obj: SyncSender, owner: type[Any]) -> Callable[P, T]: ...
    def __get__(self, obj: SyncSender | None, owner: type[Any]) -> SyncOp[P, T] | Callable[P, T]:
        if obj is None:
            return self
        build = self.build

        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            return obj.send(build(*args, **kwargs))

        _named(run, build)
        return run


class AsyncOp(Generic[P, T]):
    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> AsyncOp[P, T]: ...
    @overload
    def __get__(self, obj: AsyncSender, owner: type[Any]) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, obj: AsyncSender | None, owner: type[Any]) -> AsyncOp[P, T] | Callable[P, Awaitable[T]]:
        if obj is None:
            return self
        build = self.build

        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            return await obj.send(build(*args, **kwargs))

        _named(run, build)
        return run


class SyncPages(Generic[P, T]):
    def __init__(self, build: Callable[P, Call[Page[T]]]) -> None:
        self.build = build
        self.__doc__ = f"Every item of every page of ``{build.__name__}``."

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> SyncPages[P, T]: ...
    @overload
    def __get__(self, obj: SyncSender, owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    def __get__(self, obj: SyncSender | None, owner: type[Any]) -> SyncPages[P, T] | Callable[P, Iterator[T]]:
        if obj is None:
            return self
        build: Callable[..., Call[Page[T]]] = self.build

        def walk(*args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
            cursor = kwargs.pop("cursor", None)
            while True:
                page = obj.send(build(*args, **kwargs, cursor=cursor))
                yield from page.items
                cursor = next_cursor(page)
                if cursor is None:
                    return

        _named(walk, build)
        walk.__doc__ = self.__doc__
        return walk


class AsyncPages(Generic[P, T]):
    def __init__(self, build: Callable[P, Call[Page[T]]]) -> None:
        self.build = build
        self.__doc__ = f"Every item of every page of ``{build.__name__}``."

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> AsyncPages[P, T]: ...
    @overload
    def __get__(self, obj: AsyncSender, owner: type[Any]) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, obj: AsyncSender | None, owner: type[Any]) -> AsyncPages[P, T] | Callable[P, AsyncIterator[T]]:
        if obj is None:
            return self
        build: Callable[..., Call[Page[T]]] = self.build

        async def walk(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
            cursor = kwargs.pop("cursor", None)
            while True:
                page = await obj.send(build(*args, **kwargs, cursor=cursor))
                for item in page.items:
                    yield item
                cursor = next_cursor(page)
                if cursor is None:
                    return

        _named(walk, build)
        walk.__doc__ = self.__doc__
        return walk
