from typing import Any, Protocol, TypeAlias

from numpy.typing import NDArray

_Buffer: TypeAlias = bytes | memoryview | NDArray[Any]

class _ArrowArrayExporter(Protocol):
    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

def hashes(
    image: _Buffer | _ArrowArrayExporter,
    rows: int,
    cols: int,
    row_taps: _Buffer,
    row_weights: _Buffer,
    col_taps: _Buffer,
    col_weights: _Buffer,
    dct: _Buffer,
    variants: _Buffer,
    /,
) -> tuple[bytes, int]: ...
def edge_spreads(
    image: _Buffer | _ArrowArrayExporter, rows: int, cols: int, enough: int = 255, /
) -> tuple[int, int, int, int]: ...
def pixels(image: _Buffer | _ArrowArrayExporter, rows: int, cols: int, /) -> bytes: ...
