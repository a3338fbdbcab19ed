"""Arrays that compiled code passes to its helpers without counting references.

numba counts the references to an array each time compiled code hands it to another compiled function, inlined
or not: two calls into its runtime (``NRT_incref``, ``NRT_decref``) with an atomic add each, a few nanoseconds.
A hot helper does a few nanoseconds of work (a uniform from the stream costs 3.8 ns written out, 8.1 ns through
a call that takes the stream's state array), so the counting can cost more than the work.

:func:`borrowed` gives a view of an array that owns nothing (no memory-info pointer, as numba's views of
records or ``carray`` have): handing it on costs two null checks. A kernel borrows its arrays once, at its top,
and hands the borrowed views to its helpers. A view is valid only while something else holds its array: borrow a
kernel's arguments (its caller holds them for the whole call), or an array of the kernel's own that it still uses
after the view (one it returns); never return or store a view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from llvmlite import ir
from numba.core import types
from numba.core.base import BaseContext
from numba.core.typing.templates import Signature
from numba.extending import intrinsic
from numba.np.arrayobj import populate_array

A = TypeVar("A")


def _view(context: BaseContext, builder: ir.IRBuilder, kind: types.Type, value: ir.Value) -> ir.Value:
    """``value`` of numba type ``kind`` with each array in it replaced by its view that owns nothing."""
    if isinstance(kind, types.Array):
        source = context.make_array(kind)(context, builder, value)  # type: ignore[no-untyped-call]
        view = context.make_array(kind)(context, builder)  # type: ignore[no-untyped-call]
        populate_array(view, data=source.data, shape=source.shape, strides=source.strides,
                       itemsize=source.itemsize, meminfo=None)  # type: ignore[no-untyped-call]  # fmt: skip
        return cast("ir.Value", view._getvalue())
    if isinstance(kind, types.BaseTuple):
        for i, member in enumerate(_members(kind)):
            if _owns(member):
                value = builder.insert_value(value, _view(context, builder, member, builder.extract_value(value, i)), i)
    return value


def _owns(kind: types.Type) -> bool:
    """Whether a value of numba type ``kind`` holds an array."""
    return isinstance(kind, types.Array) or (isinstance(kind, types.BaseTuple) and any(map(_owns, _members(kind))))


def _members(kind: types.BaseTuple) -> tuple[types.Type, ...]:
    """The numba types of a tuple type's members, in order."""
    members: tuple[types.Type, ...] = kind.types  # type: ignore[attr-defined]
    return members


@intrinsic
def _borrowed(typingctx: object, value: types.Type) -> tuple[Signature, Callable[..., object]] | None:
    """``value`` (an array, or a tuple or named tuple of arrays, tuples and scalars) with views that own nothing."""
    if not _owns(value):
        return None
    signature = value(value)

    def codegen(context: BaseContext, builder: ir.IRBuilder, sig: Signature, args: list[ir.Value]) -> ir.Value:
        return _view(context, builder, sig.args[0], args[0])

    return signature, codegen


borrowed = cast("Callable[[A], A]", _borrowed)
"""In compiled code: ``view = borrowed(array)``, a view of ``array`` that owns nothing (see the module's note);
of a tuple or named tuple, the same tuple with each array in it (nested tuples included) replaced so."""
