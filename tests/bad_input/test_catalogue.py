"""The catalogue covers every public object, and each entry is well formed."""

import inspect

import pytest

from ._framework import BAD_KINDS, check_no_input
from ._public import public_objects
from .catalogue import CATALOGUE

PUBLIC = public_objects()


def test_every_public_object_has_an_entry():
    missing = sorted(set(PUBLIC) - set(CATALOGUE))
    assert not missing, (f"public objects without a catalogue entry in tests/bad_input: {missing}; add one "
                         "(a valid call and the arguments to corrupt, or kind 'no input')")


def test_no_stale_entries():
    stale = sorted(set(CATALOGUE) - set(PUBLIC))
    assert not stale, f"catalogue entries for objects no longer public: {stale}"


@pytest.mark.parametrize("key", sorted(k for k, e in CATALOGUE.items() if e.kind in ("no input", "base class")))
def test_no_input_entries(key):
    entry = CATALOGUE[key]
    assert entry.note, f"{key}: say what the object is"
    if entry.kind == "no input":
        check_no_input(PUBLIC[key])
    else:
        assert inspect.isclass(PUBLIC[key])


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_entry_shape(key):
    entry, obj = CATALOGUE[key], PUBLIC[key]
    if entry.kind in ("function", "class", "results"):
        assert entry.targets, f"{key}: a callable needs at least one target"
    if entry.kind == "function":
        assert callable(obj) and not inspect.isclass(obj), f"{key} is not a function"
    if entry.kind in ("class", "results", "base class"):
        assert inspect.isclass(obj), f"{key} is not a class"
    for t in entry.targets:
        for _, _, spec in t.bad_specs():
            for kind in spec.kinds:
                assert isinstance(kind, tuple) or kind in BAD_KINDS, f"{key}: unknown bad kind {kind!r}"
