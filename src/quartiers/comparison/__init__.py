"""Agreement between computed quartiers and reference (official) perimeters."""

from quartiers.comparison.compare import Comparison, compare, load_reference

__all__ = ["Comparison", "compare", "load_reference"]
