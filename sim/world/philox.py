"""NumPy's ``Philox`` streams and samplers, compiled: the same numbers as ``numpy.random.Generator(Philox)``.

A day's stream (:class:`~sim.world.streams.DayStreams`) is ``Philox4x64-10`` with the place's key and counter
``(0, 0, 0, day)``; a candidate's attempt within the day starts at counter ``(0, attempt, row + 1, day)``.
Drawing through NumPy costs a few microseconds of call overhead per draw call and a national run makes about a
million such calls, so the office-day samplers that dominate a run draw here instead, many days in one compiled
call. Every function returns exactly what NumPy returns for the same stream position:

- :func:`next_uint64` and :func:`next_double` are ``philox_next`` and ``next_double`` of NumPy's ``philox.h`` and
  ``bitgen.h`` (the counter is incremented before each block of four outputs);
- the samplers are NumPy's ``distributions.c`` (Marsaglia and Tsang's ziggurat for the standard normal and
  exponential, Marsaglia and Tsang's gamma, PTRS and multiplication Poisson, the triangular's inverse), as numba
  ports them for its own ``Generator`` support, with numba's copies of the ziggurat tables.

``tests/test_day_kernels.py`` holds every function equal to NumPy's, bit for bit, over many keys, days and parameters.

A stream's state is one ``uint64`` array of :data:`STATE` words: the key (2), the counter (4), the buffer of the
current block (4) and the buffer position.

The samplers that every draw goes through are inlined into the kernels that call them (``inline="always"``): a
call costs more than the sampler's work, and with the calls inlined the two-year office's applicants draw in
5.1 ms instead of 8.3 ms (all of a candidate's draws in 88 ns instead of 209 ns).

numba caches a compiled function by its own source file: after editing this module, delete the ``*.nbi`` and
``*.nbc`` caches (``make clean``) so that :mod:`sim.world.day_kernels` recompiles with the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core.base import BaseContext
from numba.core.typing.templates import Signature
from numba.extending import intrinsic
from numba.np.random._constants import (
    fe_double,
    fi_double,
    ke_double,
    ki_double,
    we_double,
    wi_double,
    ziggurat_exp_r,
    ziggurat_nor_inv_r,
    ziggurat_nor_r,
)
from numpy.typing import NDArray

STATE = 11
"""Words of a stream's state: key 0-1, counter 2-5, buffer 6-9, buffer position 10."""

_M0 = np.uint64(0xD2E7470EE14C6C93)
_M1 = np.uint64(0xCA5A826395121157)
_W0 = np.uint64(0x9E3779B97F4A7C15)
_W1 = np.uint64(0xBB67AE8584CAA73B)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_ROUNDS = 10
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2 ** -53


def new_state(key: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """A stream's state for ``key`` (two words), positioned nowhere: call :func:`at_day` before drawing."""
    state = np.zeros(STATE, dtype=np.uint64)
    state[0:2] = key
    return state


def new_states(keys: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Shape (streams, :data:`STATE`): :func:`new_state` of each row of ``keys`` (shape (streams, 2)), at once."""
    states = np.zeros((keys.shape[0], STATE), dtype=np.uint64)
    states[:, 0:2] = keys
    return states


@njit(cache=True)
def at_day(state: NDArray[np.uint64], day: int) -> None:
    """Move the stream to the start of day ``day`` (counter ``(0, 0, 0, day)``, empty buffer)."""
    state[2] = _ZERO
    state[3] = _ZERO
    state[4] = _ZERO
    state[5] = np.uint64(day)
    state[10] = np.uint64(4)


@njit(cache=True)
def at_attempt(state: NDArray[np.uint64], day: int, row: int, attempt: int) -> None:
    """Move the stream to one candidate's attempt: counter ``(0, attempt, row + 1, day)``, empty buffer.

    The day's own stream (:func:`at_day`) would need ``2**128`` blocks to reach it; each row and attempt has
    ``2**64`` blocks of its own.
    """
    state[2] = _ZERO
    state[3] = np.uint64(attempt)
    state[4] = np.uint64(row + 1)
    state[5] = np.uint64(day)
    state[10] = np.uint64(4)


@intrinsic
def _wide_product(typingctx: object, a: types.Type, b: types.Type) -> tuple[Signature, Callable[..., object]]:
    """The high and low words of the 128-bit product ``a * b`` of two ``uint64`` (one machine multiply).

    numba has no 128-bit integer type, so the product is written in LLVM IR, as NumPy's ``philox.h`` uses
    ``__umulh`` or ``unsigned __int128`` where the compiler has them.
    """
    signature = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64)  # type: ignore[no-untyped-call]

    def codegen(context: BaseContext, builder: ir.IRBuilder, sig: Signature, args: list[ir.Value]) -> ir.Value:
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        high = builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))
        low = builder.trunc(product, ir.IntType(64))
        return context.make_tuple(builder, sig.return_type, (high, low))  # type: ignore[no-untyped-call]

    return signature, codegen


_mulhilo = cast("Callable[[np.uint64, np.uint64], tuple[np.uint64, np.uint64]]", _wide_product)
"""``_wide_product`` as compiled code calls it (``high, low = _mulhilo(a, b)``)."""


@njit(cache=True)
def _block(state: NDArray[np.uint64]) -> None:
    """Increment the counter (with carry) and fill the buffer with the next block of four words."""
    state[2] += _ONE
    if state[2] == _ZERO:
        state[3] += _ONE
        if state[3] == _ZERO:
            state[4] += _ONE
            if state[4] == _ZERO:
                state[5] += _ONE
    c0, c1, c2, c3 = state[2], state[3], state[4], state[5]
    k0, k1 = state[0], state[1]
    for r in range(_ROUNDS):
        if r > 0:
            k0 += _W0
            k1 += _W1
        hi0, lo0 = _mulhilo(_M0, c0)
        hi1, lo1 = _mulhilo(_M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    state[6], state[7], state[8], state[9] = c0, c1, c2, c3
    state[10] = _ZERO


@njit(cache=True, inline="always")  # hot: inlined into the kernels that draw (see the module's note)
def next_uint64(state: NDArray[np.uint64]) -> np.uint64:
    """The stream's next 64 random bits."""
    if state[10] >= np.uint64(4):
        _block(state)
    position = state[10]
    state[10] = position + _ONE
    return np.uint64(state[np.int64(6) + np.int64(position)])


@njit(cache=True, inline="always")  # hot: inlined into the kernels that draw (see the module's note)
def next_double(state: NDArray[np.uint64]) -> float:
    """A uniform on [0, 1) from the stream's next 53 bits (``Generator.random``)."""
    return float(next_uint64(state) >> np.uint64(11)) * _TO_DOUBLE


@njit(cache=True, inline="always")  # hot: inlined into the kernels that draw (see the module's note)
def standard_normal(state: NDArray[np.uint64]) -> float:
    """``Generator.standard_normal``: the ziggurat of NumPy's ``random_standard_normal``."""
    while True:
        r = next_uint64(state)
        idx = np.int64(r & np.uint64(0xFF))
        r >>= np.uint64(8)
        sign = r & _ONE
        rabs = (r >> _ONE) & np.uint64(0x000FFFFFFFFFFFFF)
        x = float(rabs) * wi_double[idx]
        if sign == _ONE:
            x = -x
        if rabs < ki_double[idx]:
            return float(x)
        if idx == 0:
            while True:
                xx = -ziggurat_nor_inv_r * np.log1p(-next_double(state))
                yy = -np.log1p(-next_double(state))
                if yy + yy > xx * xx:
                    if (rabs >> np.uint64(8)) & _ONE:
                        return float(-(ziggurat_nor_r + xx))
                    return float(ziggurat_nor_r + xx)
        elif (fi_double[idx - 1] - fi_double[idx]) * next_double(state) + fi_double[idx] < np.exp(-0.5 * x * x):
            return float(x)


@njit(cache=True, inline="always")  # hot: inlined into the kernels that draw (see the module's note)
def standard_exponential(state: NDArray[np.uint64]) -> float:
    """``Generator.standard_exponential``: the ziggurat of NumPy's ``random_standard_exponential``."""
    while True:
        ri = next_uint64(state)
        ri >>= np.uint64(3)
        idx = np.int64(ri & np.uint64(0xFF))
        ri >>= np.uint64(8)
        x = float(ri) * we_double[idx]
        if ri < ke_double[idx]:
            return float(x)
        if idx == 0:
            return float(ziggurat_exp_r - np.log1p(-next_double(state)))
        if (fe_double[idx - 1] - fe_double[idx]) * next_double(state) + fe_double[idx] < np.exp(-x):
            return float(x)


@njit(cache=True)
def standard_gamma(state: NDArray[np.uint64], shape: float) -> float:
    """``Generator.standard_gamma(shape)`` (NumPy's ``random_standard_gamma``)."""
    if shape == 1.0:
        return standard_exponential(state)
    if shape == 0.0:
        return 0.0
    if shape < 1.0:
        return _gamma_below_one(state, shape)
    b = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9 * b)
    while True:
        while True:
            x = standard_normal(state)
            v = 1.0 + c * x
            if v > 0.0:
                break
        v = v * v * v
        u = next_double(state)
        if u < 1.0 - 0.0331 * (x * x) * (x * x):
            return float(b * v)
        if np.log(u) < 0.5 * x * x + b * (1.0 - v + np.log(v)):
            return float(b * v)


@njit(cache=True)
def _gamma_below_one(state: NDArray[np.uint64], shape: float) -> float:
    """``standard_gamma`` for a shape below 1 (NumPy's rejection method for that case)."""
    while True:
        u = next_double(state)
        v = standard_exponential(state)
        if u <= 1.0 - shape:
            x = u ** (1.0 / shape)
            if x <= v:
                return float(x)
        else:
            y = -np.log((1 - u) / shape)
            x = (1.0 - shape + shape * y) ** (1.0 / shape)
            if x <= v + y:
                return float(x)


@njit(cache=True)
def _loggam(x: float) -> float:
    """The logarithm of Gamma(x) as NumPy's ``random_loggam`` computes it."""
    a = (8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04, -5.952380952380952e-04,
         8.417508417508418e-04, -1.917526917526918e-03, 6.410256410256410e-03, -2.955065359477124e-02,
         1.796443723688307e-01, -1.39243221690590e00)  # fmt: skip
    if x in {1.0, 2.0}:
        return 0.0
    n = int(7 - x) if x < 7.0 else 0
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    gl0 = a[9]
    for k in range(9):
        gl0 *= x2
        gl0 += a[8 - k]
    gl = gl0 / x0 + 0.5 * 1.8378770664093453e00 + (x0 - 0.5) * np.log(x0) - x0
    if x < 7.0:
        for _ in range(n):
            gl = gl - np.log(x0 - 1.0)
            x0 = x0 - 1.0
    return float(gl)


@njit(cache=True)
def poisson(state: NDArray[np.uint64], lam: float) -> int:
    """``Generator.poisson(lam)``: PTRS from 10 up, multiplication below (NumPy's ``random_poisson``)."""
    if lam >= 10:
        slam, loglam = np.sqrt(lam), np.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = next_double(state) - 0.5
            v = next_double(state)
            us = 0.5 - np.fabs(u)
            k = int(np.floor((2 * a / us + b) * u + lam + 0.43))  # NumPy floors (numba's port truncates)
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if np.log(v) + np.log(invalpha) - np.log(a / (us * us) + b) <= -lam + k * loglam - _loggam(float(k + 1)):
                return k
    if lam == 0:
        return 0
    enlam = np.exp(-lam)
    count = 0
    product = 1.0
    while True:
        product *= next_double(state)
        if product > enlam:
            count += 1
        else:
            return count


@njit(cache=True, inline="always")  # hot: inlined into the kernels that draw (see the module's note)
def triangular(state: NDArray[np.uint64], left: float, mode: float, right: float) -> float:
    """``Generator.triangular(left, mode, right)`` (NumPy's ``random_triangular``)."""
    base = right - left
    leftbase = mode - left
    ratio = leftbase / base
    leftprod = leftbase * base
    rightprod = (right - mode) * base
    u = next_double(state)
    if u <= ratio:
        return float(left + np.sqrt(u * leftprod))
    return float(right - np.sqrt((1.0 - u) * rightprod))
