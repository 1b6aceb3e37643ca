"""Heavy third-party modules loaded on first use, so that importing cslib stays quick.

scipy, statsmodels, matplotlib, seaborn, DuckDB, psutil and phonenumbers take
seconds to import together, and a notebook kernel imports a stage module before
it knows which of them its cells will need. A module names such a dependency
once, at the top, as a :func:`lazy` stand-in, and keeps the real import under
``if TYPE_CHECKING:`` for the type checker::

    if TYPE_CHECKING:
        from scipy import stats
    else:
        stats = lazy("scipy.stats")

The first attribute read (``stats.norm``) imports the module; later reads go
straight to it.

Examples
--------
>>> json = lazy("json")
>>> json
<module 'json', imported on first use>
>>> json.dumps([1])
'[1]'
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class Lazy:
    """A stand-in for the module ``name`` that imports it when an attribute is first read."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy(name: str) -> Any:
    """A stand-in for the module ``name`` (dotted, as for ``import``), imported on first use."""
    return Lazy(name)
