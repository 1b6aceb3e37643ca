"""Adapters: map a helpdesk export's columns and labels onto the data contract."""

from cslib.data.adapters.engine import BUILTIN, describe, load_mapping, resolve

__all__ = ["BUILTIN", "describe", "load_mapping", "resolve"]
