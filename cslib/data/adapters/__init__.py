"""Adapters: map a helpdesk export's columns and labels onto the data contract.

A mapping (:mod:`cslib.data.adapters.model`, which describes the file format)
says which source column gives each contract column and how labels and dates
translate; the built-in adapters are mapping files too
(:mod:`cslib.data.adapters.catalog`). :mod:`cslib.data.adapters.build` writes the
SQL and :mod:`cslib.data.adapters.views` applies it to a source.

Examples
--------
>>> from cslib.data.adapters import BUILTIN
>>> BUILTIN["servicenow"].events.key
['number', 'Number']
"""

from cslib.data.adapters.catalog import BUILTIN, resolve
from cslib.data.adapters.model import Mapping, load_mapping, parse_mapping
from cslib.data.adapters.views import cleaning, describe

__all__ = ["BUILTIN", "Mapping", "cleaning", "describe", "load_mapping", "parse_mapping", "resolve"]
