"""A small lavaan-like specification of path models with latent variables.

Three kinds of line (``#`` starts a comment; ``;`` or a newline separates statements)::

    Image        =~ IMAG1 + IMAG2 + IMAG3      # reflective block (PLS mode A)
    Value        <~ PERV1 + PERV2              # formative block (PLS mode B)
    Satisfaction ~  Image + Quality + Value    # structural paths into Satisfaction

The same model can be built in code with :meth:`ModelSpec.build` or the immutable
``add_block`` / ``add_path`` methods.  A specification is checked when it is made: unknown
latent variables in paths, items used in two blocks, cycles in the structural model and
one-item formative (mode B) blocks are rejected with :class:`ModelSpecificationError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import ModelSpecificationError

__all__ = ["ModelSpec"]

_IDENT = re.compile(r"^[A-Za-z_][\w.]*$")


@dataclass(frozen=True)
class ModelSpec:
    """A path model: measurement blocks (latent variable -> items) and structural paths.

    Parameters
    ----------
    blocks : mapping of str to sequence of str
        Items (column names) measuring each latent variable, in the order the latent
        variables should be reported.
    paths : sequence of (str, str)
        Structural paths ``(source, target)``.
    modes : mapping of str to {"A", "B"}, optional
        Measurement mode per block (default ``"A"``, reflective).

    Examples
    --------
    >>> spec = ModelSpec.from_string('''
    ...     Satisfaction =~ s1 + s2 + s3
    ...     Loyalty      =~ l1 + l2
    ...     Loyalty ~ Satisfaction
    ... ''')
    >>> spec.latent, spec.paths
    (('Satisfaction', 'Loyalty'), (('Satisfaction', 'Loyalty'),))
    """

    blocks: Mapping[str, tuple[str, ...]]
    paths: tuple[tuple[str, str], ...] = ()
    modes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        blocks = {str(k): tuple(str(i) for i in v) for k, v in dict(self.blocks).items()}
        modes = {k: str(self.modes.get(k, "A")).upper() for k in blocks}
        unknown_modes = set(self.modes) - set(blocks)
        if unknown_modes:
            raise ModelSpecificationError(f"modes given for unknown latent variables {sorted(unknown_modes)}; "
                                          f"latent variables: {list(blocks)}.")
        object.__setattr__(self, "blocks", blocks)
        object.__setattr__(self, "modes", modes)
        object.__setattr__(self, "paths", tuple((str(a), str(b)) for a, b in self.paths))
        self._check()

    # ------------------------------------------------------------------ checks
    def _check(self) -> None:
        if not self.blocks:
            raise ModelSpecificationError("a path model needs at least one measurement block "
                                          "('LV =~ item1 + item2').")
        seen: dict[str, str] = {}
        for lv, items in self.blocks.items():
            if not _IDENT.match(lv):
                raise ModelSpecificationError(f"latent variable name {lv!r} is not a valid identifier.")
            if not items:
                raise ModelSpecificationError(f"block {lv!r} has no items.")
            for it in items:
                if it in seen:
                    raise ModelSpecificationError(f"item {it!r} is used by blocks {seen[it]!r} and {lv!r}; "
                                                  "each item must measure one latent variable.")
                seen[it] = lv
                if it in self.blocks:
                    raise ModelSpecificationError(f"{it!r} is both an item and a latent variable name.")
            mode = self.modes[lv]
            if mode not in ("A", "B"):
                raise ModelSpecificationError(f"mode of block {lv!r} must be 'A' (reflective) or 'B' "
                                              f"(formative); received {mode!r}.")
            if mode == "B" and len(items) < 2:
                raise ModelSpecificationError(
                    f"block {lv!r} is formative (mode B) with a single item {items[0]!r}; mode B "
                    "regresses the inner estimate on the block's items and is the same as mode A "
                    "with one item: declare it with '=~' (mode A) or add items.")
        lvs = set(self.blocks)
        for a, b in self.paths:
            for v in (a, b):
                if v not in lvs:
                    raise ModelSpecificationError(f"path {a} -> {b} uses {v!r}, which has no measurement "
                                                  f"block; latent variables: {sorted(lvs)}.")
            if a == b:
                raise ModelSpecificationError(f"path {a} -> {b} is a self-loop.")
        if len(set(self.paths)) != len(self.paths):
            raise ModelSpecificationError("a structural path is declared twice.")
        cycle = self._find_cycle()
        if cycle:
            raise ModelSpecificationError("the structural model has a cycle " + " -> ".join(cycle)
                                          + "; PLS path modelling needs a recursive (acyclic) model.")
        if not self.paths:
            raise ModelSpecificationError("the model has no structural paths ('Target ~ Source').")
        connected = {v for p in self.paths for v in p}
        lonely = [lv for lv in self.blocks if lv not in connected]
        if lonely:
            raise ModelSpecificationError(f"latent variables {lonely} are in no structural path; every "
                                          "block must be connected to the inner model.")

    def _find_cycle(self) -> list[str]:
        succ: dict[str, list[str]] = {v: [] for v in self.blocks}
        for a, b in self.paths:
            succ[a].append(b)
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(v: str) -> list[str]:  # depth-first search over the few latent variables
            state[v] = 1
            stack.append(v)
            for w in succ[v]:
                if state.get(w) == 1:
                    return stack[stack.index(w):] + [w]
                if w not in state:
                    found = visit(w)
                    if found:
                        return found
            state[v] = 2
            stack.pop()
            return []

        for v in self.blocks:
            if v not in state:
                found = visit(v)
                if found:
                    return found
        return []

    # ------------------------------------------------------------------ views
    @property
    def latent(self) -> tuple[str, ...]:
        """Latent variable names in declaration order."""
        return tuple(self.blocks)

    @property
    def items(self) -> tuple[str, ...]:
        """All items, block by block."""
        return tuple(i for v in self.blocks.values() for i in v)

    @property
    def endogenous(self) -> tuple[str, ...]:
        """Latent variables with at least one incoming path."""
        targets = {b for _, b in self.paths}
        return tuple(v for v in self.blocks if v in targets)

    def adjacency(self) -> np.ndarray:
        """Inner design matrix ``A`` with ``A[k, j] = 1`` when ``j -> k`` (latent order).

        Returns
        -------
        ndarray, shape (L, L)
            Zeros and ones, rows and columns in the order of :attr:`latent`.

        Examples
        --------
        >>> spec = ModelSpec.from_string("Sat =~ s1 + s2; Loy =~ l1 + l2; Loy ~ Sat")
        >>> spec.adjacency().tolist()
        [[0.0, 0.0], [1.0, 0.0]]
        """
        pos = {v: i for i, v in enumerate(self.blocks)}
        A = np.zeros((len(pos), len(pos)))
        for a, b in self.paths:
            A[pos[b], pos[a]] = 1.0
        return A

    def outer_design(self) -> np.ndarray:
        """Indicator matrix (items x latent) of block membership.

        Returns
        -------
        ndarray, shape (p, L)
            ``1`` where item ``i`` (order of :attr:`items`) belongs to latent variable ``j``.

        Examples
        --------
        >>> spec = ModelSpec.from_string("Sat =~ s1 + s2; Loy =~ l1 + l2; Loy ~ Sat")
        >>> spec.outer_design().tolist()
        [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
        """
        L = len(self.blocks)
        rows = [np.eye(L)[j] for j, items in enumerate(self.blocks.values()) for _ in items]
        return np.array(rows)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_string(cls, text: str, *, modes: Mapping[str, str] | None = None) -> ModelSpec:
        """Parse a lavaan-like model description (see the module docstring).

        Parameters
        ----------
        text : str
            Lines ``LV =~ items`` (mode A), ``LV <~ items`` (mode B), ``Y ~ X1 + X2``.
        modes : mapping, optional
            Override the mode of named blocks.

        Returns
        -------
        ModelSpec
            The checked specification.

        Raises
        ------
        ModelSpecificationError
            Unparsable statements, or a specification that fails the checks.

        Examples
        --------
        >>> spec = ModelSpec.from_string("Sat =~ s1 + s2; Value <~ v1 + v2; Sat ~ Value")
        >>> spec.modes, spec.paths
        ({'Sat': 'A', 'Value': 'B'}, (('Value', 'Sat'),))
        """
        if not isinstance(text, str):
            raise ModelSpecificationError(f"the model must be a string; received {type(text).__name__}.")
        blocks: dict[str, list[str]] = {}
        mode: dict[str, str] = {}
        paths: list[tuple[str, str]] = []
        stmts = [s.split("#", 1)[0].strip() for line in text.splitlines() for s in line.split(";")]
        for lineno, s in enumerate(stmts, 1):
            if not s:
                continue
            for op, m in (("=~", "A"), ("<~", "B"), ("~", None)):
                if op in s:
                    lhs, rhs = (x.strip() for x in s.split(op, 1))
                    break
            else:
                raise ModelSpecificationError(f"cannot parse {s!r}: expected 'LV =~ items', 'LV <~ items' "
                                              "or 'Target ~ Sources'.")
            terms = [t.strip() for t in rhs.split("+")]
            bad = [t for t in [lhs, *terms] if not _IDENT.match(t)]
            if bad:
                raise ModelSpecificationError(f"cannot parse {s!r}: {bad} are not plain names "
                                              "(no coefficients, labels or operators are supported).")
            if m is None:
                paths += [(t, lhs) for t in terms]
            else:
                if lhs in blocks:
                    raise ModelSpecificationError(f"block {lhs!r} is declared twice.")
                blocks[lhs] = terms
                mode[lhs] = m
        mode.update(dict(modes or {}))
        return cls(blocks, tuple(paths), mode)

    @classmethod
    def build(cls, blocks: Mapping[str, Sequence[str]], paths: Iterable[tuple[str, str]] | Mapping[str, Sequence[str]],
              modes: Mapping[str, str] | None = None) -> ModelSpec:
        """Build a specification from Python objects.

        Parameters
        ----------
        blocks : mapping of str to sequence of str
            Items measuring each latent variable.
        paths : iterable of (str, str) or mapping of str to sequence of str
            Either ``[(source, target), ...]`` or ``{target: [sources]}``.
        modes : mapping of str to {"A", "B"}, optional
            Measurement mode per block (default ``"A"``).

        Returns
        -------
        ModelSpec
            The checked specification.

        Examples
        --------
        >>> spec = ModelSpec.build({"Sat": ["s1", "s2"], "Loy": ["l1"]}, {"Loy": ["Sat"]})
        >>> spec.paths
        (('Sat', 'Loy'),)
        """
        if isinstance(paths, Mapping):
            plist = [(s, t) for t, srcs in paths.items() for s in srcs]
        else:
            plist = [tuple(p) for p in paths]
        return cls(dict(blocks), tuple(plist), dict(modes or {}))

    def add_block(self, name: str, items: Sequence[str], mode: str = "A") -> ModelSpec:
        """Return a new specification with one more block (structural paths must follow).

        The result is only fully checked once every block is in a structural path.

        Parameters
        ----------
        name : str
            Latent variable name.
        items : sequence of str
            Its items.
        mode : {"A", "B"}, default "A"
            Reflective (A) or formative (B).

        Returns
        -------
        ModelSpec
            A new specification; ``self`` is unchanged.

        Examples
        --------
        >>> spec = ModelSpec.from_string("Sat =~ s1 + s2; Loy =~ l1 + l2; Loy ~ Sat")
        >>> spec.add_block("Trust", ["t1", "t2"]).add_path("Trust", "Loy").latent
        ('Sat', 'Loy', 'Trust')
        """
        if name in self.blocks:
            raise ModelSpecificationError(f"name {name!r} is already a block of the specification "
                                          f"(blocks: {list(self.blocks)}); choose a new name.")
        if isinstance(items, str) or len(items) == 0:
            raise ModelSpecificationError(f"items must be a non-empty sequence of column names; "
                                          f"received {items!r}.")
        if str(mode).upper() not in ("A", "B"):
            raise ModelSpecificationError(f"mode must be 'A' (reflective) or 'B' (formative); "
                                          f"received {mode!r}.")
        blocks = dict(self.blocks)
        blocks[name] = tuple(items)
        modes = dict(self.modes)
        modes[name] = mode
        return _unchecked(blocks, self.paths, modes)

    def add_path(self, source: str, target: str) -> ModelSpec:
        """Return a new specification with one more structural path ``source -> target``.

        Parameters
        ----------
        source, target : str
            Latent variable names.

        Returns
        -------
        ModelSpec
            A new specification; ``self`` is unchanged.

        Examples
        --------
        >>> spec = ModelSpec.from_string("Sat =~ s1 + s2; Loy =~ l1 + l2; Loy ~ Sat")
        >>> spec.add_block("Trust", ["t1", "t2"]).add_path("Trust", "Loy").paths
        (('Sat', 'Loy'), ('Trust', 'Loy'))
        """
        for role, v in (("source", source), ("target", target)):
            if v not in self.blocks:
                raise ModelSpecificationError(f"{role} {v!r} is not a block of the specification; "
                                              f"blocks: {list(self.blocks)}.")
        return _unchecked(dict(self.blocks), (*self.paths, (source, target)), dict(self.modes))

    def to_string(self) -> str:
        """The specification as lavaan-like text (round-trips through :meth:`from_string`).

        Returns
        -------
        str
            One line per block, then one line per endogenous latent variable.

        Examples
        --------
        >>> spec = ModelSpec.from_string("Sat =~ s1 + s2; Loy =~ l1 + l2; Loy ~ Sat")
        >>> print(spec.to_string())
        Sat =~ s1 + s2
        Loy =~ l1 + l2
        Loy ~ Sat
        >>> ModelSpec.from_string(spec.to_string()) == spec
        True
        """
        lines = [f"{lv} {'=~' if self.modes[lv] == 'A' else '<~'} {' + '.join(items)}"
                 for lv, items in self.blocks.items()]
        for t in self.endogenous:
            lines.append(f"{t} ~ {' + '.join(a for a, b in self.paths if b == t)}")
        return "\n".join(lines)


def _unchecked(blocks: dict, paths: tuple, modes: dict) -> ModelSpec:
    """A specification under construction (checked once a path connects every block)."""
    try:
        return ModelSpec(blocks, paths, modes)
    except ModelSpecificationError as exc:
        if "in no structural path" not in str(exc) and "no structural paths" not in str(exc):
            raise
        obj = object.__new__(ModelSpec)
        object.__setattr__(obj, "blocks", {k: tuple(v) for k, v in blocks.items()})
        object.__setattr__(obj, "paths", tuple(paths))
        object.__setattr__(obj, "modes", {k: str(modes.get(k, "A")).upper() for k in blocks})
        return obj
