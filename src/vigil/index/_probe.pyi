from typing import Any, TypeAlias

from numpy.typing import NDArray

_Buffer: TypeAlias = bytes | memoryview | NDArray[Any]

def search(
    words: _Buffer,
    starts: _Buffer,
    low: _Buffer,
    high: _Buffer | None,
    sketch: _Buffer | None,
    queries: _Buffer,
    radius: int,
    /,
) -> tuple[bytes, bytes, bytes]: ...
def fill_sketch(
    words: _Buffer, low: _Buffer, high: _Buffer | None, sketch: NDArray[Any], /
) -> None: ...
