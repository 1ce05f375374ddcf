"""How apps plug into the core: optional modules named by convention (dashboard, demo, schedule …)."""

from importlib import import_module
from types import ModuleType


def optional_module(package: str, name: str) -> ModuleType | None:
    """`package.name` if that module exists, else None. Errors inside an existing module still raise."""
    dotted = f"{package}.{name}"
    try:
        return import_module(dotted)
    except ModuleNotFoundError as error:
        if error.name != dotted:
            raise
        return None
