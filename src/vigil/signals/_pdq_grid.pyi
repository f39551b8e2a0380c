from typing import Any, TypeAlias

from numpy.typing import NDArray

_Buffer: TypeAlias = bytes | memoryview | NDArray[Any]

def sample(
    image: _Buffer,
    rows: int,
    cols: int,
    row_taps: _Buffer,
    row_weights: _Buffer,
    col_taps: _Buffer,
    col_weights: _Buffer,
    out: _Buffer,
    /,
) -> None: ...
