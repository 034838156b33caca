"""The wire format shared by the daemon and every client (see docs/protocol.md).

A message is multipart: frame 0 is a msgpack header (a map), then one raw frame
per array listed in ``header["arrays"]`` as {name, dtype, shape}, C-contiguous,
little-endian. Arrays are checked against their frames before any is built, and
the whole message against a byte limit. No pickle, no base64.
"""

from __future__ import annotations

import math

import msgpack
import numpy as np

ALLOWED_DTYPES = ("uint8", "int32", "float32")
MAX_ARRAY_DIMS = 4
DEFAULT_MAX_BYTES = 64_000_000 * 4 * 3 + (1 << 20)  # three 64-MP RGBA images and headers
MAX_HEADER_BYTES = 1 << 16  # a header holds ids, args and array specs: a few hundred bytes in practice
MAX_ID_LENGTH = 256  # characters of a request id (the client's are 32)
EXCERPT_CHARS = 60  # how much of a value an error message quotes


class WireError(ValueError):
    """A message that does not follow the wire format; ``code`` is the protocol error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def encode(header: dict, arrays: dict[str, np.ndarray] | None = None) -> list[bytes]:
    """Frames of a message: the header (with its array list filled in) and the array bytes."""
    arrays = arrays or {}
    specs, frames = [], []
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.dtype.name not in ALLOWED_DTYPES:
            raise WireError(
                "bad_array", f"array {name!r} has dtype {array.dtype}; allowed: {', '.join(ALLOWED_DTYPES)}"
            )
        array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        specs.append({"name": name, "dtype": array.dtype.name, "shape": list(array.shape)})
        frames.append(array.tobytes())
    return [msgpack.packb({**header, "arrays": specs}, use_bin_type=True)] + frames


def excerpt(value) -> str:
    """A short, flat description of any decoded value for an error message: never recursive, never long.

    Containers are described by type and length (a value nested 1,000 deep would make repr() raise
    RecursionError), scalars by a repr cut to EXCERPT_CHARS.
    """
    if isinstance(value, (dict, list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    text = repr(value[: EXCERPT_CHARS + 1] if isinstance(value, (str, bytes)) else value)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def decode_header(frame: bytes) -> dict:
    if len(frame) > MAX_HEADER_BYTES:
        raise WireError(
            "too_large",
            f"the header frame has {len(frame):,} bytes; the limit is {MAX_HEADER_BYTES:,} "
            "(arrays travel in frames of their own)",
        )
    try:
        header = msgpack.unpackb(frame, raw=False, strict_map_key=True, max_bin_len=0, max_ext_len=0)
    except Exception as error:  # msgpack raises several kinds for garbage
        raise WireError("bad_message", f"the header frame is not valid msgpack ({type(error).__name__})") from None
    if not isinstance(header, dict):
        raise WireError("bad_message", f"the header must be a msgpack map, got {type(header).__name__}")
    return header


def decode_arrays(header: dict, frames: list[bytes], max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, np.ndarray]:
    """Arrays described by ``header["arrays"]`` from their frames, validated first."""
    specs = header.get("arrays", [])
    if not isinstance(specs, list):
        raise WireError("bad_message", "'arrays' must be a list of {name, dtype, shape}")
    if len(specs) != len(frames):
        raise WireError("bad_message", f"the header lists {len(specs)} arrays but {len(frames)} array frames came")
    total = sum(len(f) for f in frames)
    if total > max_bytes:
        raise WireError("too_large", f"the message carries {total:,} bytes of arrays; the limit is {max_bytes:,}")
    arrays = {}
    for spec, frame in zip(specs, frames):
        if not isinstance(spec, dict) or set(spec) != {"name", "dtype", "shape"}:
            keys = f"keys {', '.join(excerpt(k) for k in list(spec)[:8])}" if isinstance(spec, dict) else excerpt(spec)
            raise WireError("bad_message", f"each array spec needs exactly name, dtype and shape; got {keys}")
        name, dtype, shape = spec["name"], spec["dtype"], spec["shape"]
        if not isinstance(name, str) or name in arrays or len(name) > MAX_ID_LENGTH:
            raise WireError(
                "bad_message",
                f"array names must be distinct strings of at most {MAX_ID_LENGTH} characters; got {excerpt(name)}",
            )
        if not isinstance(dtype, str) or dtype not in ALLOWED_DTYPES:
            raise WireError(
                "bad_array", f"array {excerpt(name)} has dtype {excerpt(dtype)}; allowed: {', '.join(ALLOWED_DTYPES)}"
            )
        itemsize = np.dtype(dtype).itemsize
        # the non-zero dimensions within the byte limit too: numpy refuses (ValueError) a shape it cannot
        # index even when a zero makes it empty, so [0, 2**63] must not pass for an empty frame
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_ARRAY_DIMS
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
            or math.prod(d for d in shape if d) * itemsize > max_bytes
        ):
            raise WireError(
                "bad_array",
                f"array {excerpt(name)} has an invalid shape {_shape_excerpt(shape)}: "
                f"at most {MAX_ARRAY_DIMS} whole numbers >= 0 whose product is within the byte limit",
            )
        expected = math.prod(shape) * itemsize
        if expected != len(frame):
            raise WireError(
                "bad_array",
                f"array {excerpt(name)} of shape {shape} {dtype} needs {expected:,} bytes, "
                f"its frame has {len(frame):,}",
            )
        arrays[name] = np.frombuffer(frame, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)
    return arrays


def _shape_excerpt(shape) -> str:
    if isinstance(shape, list) and len(shape) <= MAX_ARRAY_DIMS + 1:
        return "[" + ", ".join(excerpt(d) for d in shape) + "]"
    return excerpt(shape)
