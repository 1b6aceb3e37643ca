"""Keep jsonschema from loading its optional IRI checker in processes that run notebooks.

nbformat validates every notebook with jsonschema, whose format checkers import
``rfc3987_syntax`` when it is installed (``jupyter-events`` asks for it). That
package compiles a Lark grammar on import: about 3 s of CPU in each process
that runs or renders a notebook, more than the rest of papermill's import. The
notebook schema has no ``iri`` format, so the checker would never be used:
marking the module as missing before jsonschema loads skips it.
"""

from __future__ import annotations

import sys


def skip_iri_checker() -> None:
    """Mark ``rfc3987_syntax`` missing unless jsonschema or it was imported already.

    Examples
    --------
    >>> import sys
    >>> skip_iri_checker()
    >>> "jsonschema" in sys.modules or sys.modules.get("rfc3987_syntax", 0) is None
    True
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
