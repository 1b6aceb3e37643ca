"""Griffe extension: docstrings as Python sees them, with Sphinx roles as plain code.

* Functions decorated with ``DocstringComponents.fill`` (``cslib/_docstrings.py``)
  hold lines such as ``{tickets}`` in their source; the documentation shows the
  docstring with those shared entries written out.
* The docstrings name other objects with Sphinx roles (``:func:`compute```,
  ``:mod:`~cslib.stats.spc.compute```); they are shown as code, a ``~`` keeping
  only the last part of the name.
"""

from __future__ import annotations

import importlib
import inspect
import re

import griffe

PLACEHOLDER = re.compile(r"^\s*\{\w+\}\s*$", re.MULTILINE)
ROLE = re.compile(r":(?:py:)?[a-z]+:`(~?)([^`]+)`")


def plain_roles(text: str) -> str:
    """``:func:`~a.b.c``` → ```c```, ``:class:`Name``` → ```Name```.

    Examples
    --------
    >>> plain_roles("see :func:`~cslib.metrics.engine.compute` and :mod:`cslib.spc`")
    'see `compute` and `cslib.spc`'
    """
    return ROLE.sub(lambda m: f"`{m[2].rsplit('.', 1)[-1] if m[1] else m[2]}`", text)


def runtime_docstring(obj: griffe.Object) -> str:
    """The docstring of the imported object, as ``help()`` shows it."""
    runtime = importlib.import_module(obj.module.path)
    for name in obj.path.removeprefix(obj.module.path + ".").split("."):
        runtime = getattr(runtime, name)
    return inspect.getdoc(runtime) or ""


class FilledDocstrings(griffe.Extension):
    """Fill shared parameter entries and turn Sphinx roles into code, in every docstring."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is None:
            return
        if obj.is_function and PLACEHOLDER.search(obj.docstring.value):
            obj.docstring.value = runtime_docstring(obj)
        obj.docstring.value = plain_roles(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        """The top package is no member of anything: its own docstring is read here."""
        self.on_object(obj=pkg)
