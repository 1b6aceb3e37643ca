"""The improvement cycle: the cycle file's model, the evidence a complete cycle
needs, the workbook a stage works in, the run folder's artefacts and the register
of cycles."""

from cslib.cycle.model import Cycle, load_cycle, validate_cycle
from cslib.cycle.workbook import Workbook, open_workbook

__all__ = ["Cycle", "Workbook", "load_cycle", "open_workbook", "validate_cycle"]
