"""A stand-in for data that failed to load, so that sections are still checked against everything else."""

from __future__ import annotations


class Broken:
    """What a section gets for a dataset, record or point whose file has a mistake (reported there, once).

    Every attribute, call, index and filter of it gives itself again, and it shows as '??': the section renders on
    and its other mistakes are found in the same run, while nothing is said about what depends on the broken data.
    Never reaches a document: a build with any error stops before rendering the outputs.
    """

    # Asked for by Jinja's sandbox and its call machinery: a plain object, safe to call.
    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __init__(self, what: str):
        self.what = what

    def __getattr__(self, name: str) -> Broken:
        if name.startswith("_"):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs) -> Broken:
        return self

    def __getitem__(self, key) -> Broken:
        return self

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return "??"

    def __format__(self, spec: str) -> str:
        return "??"

    def __repr__(self) -> str:
        return f"Broken({self.what!r})"

    def __int__(self) -> int:
        return 0

    def __float__(self) -> float:
        return 0.0

    def __round__(self, digits=None) -> Broken:
        return self

    def _same(self, *args) -> Broken:
        return self

    def _never(self, other) -> bool:
        return False

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _same
    __lt__ = __le__ = __gt__ = __ge__ = _never

    def __eq__(self, other) -> bool:
        return other is self

    __hash__ = object.__hash__


def is_broken(value: object) -> bool:
    return isinstance(value, Broken)
