"""The one mechanism for renamed arguments and moved names (issue 17)."""

import inspect
import warnings

import pytest

from custvalue._deprecation import moved_names, renamed_arguments


@renamed_arguments(customer_id="customer_col", draws="n_draws")
def _f(data, customer_col="customer_id", n_draws=100):
    return data, customer_col, n_draws


def test_new_names_are_silent_and_the_signature_shows_only_them():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _f(1, customer_col="c", n_draws=5) == (1, "c", 5)
    assert list(inspect.signature(_f).parameters) == ["data", "customer_col", "n_draws"]


def test_old_names_warn_and_pass_through():
    with pytest.warns(FutureWarning, match="'draws' is renamed 'n_draws'"):
        assert _f(1, draws=7) == (1, "customer_id", 7)


def test_both_names_is_an_error():
    with pytest.raises(TypeError, match="customer_id.*customer_col"):
        _f(1, customer_id="a", customer_col="b")


def test_moved_names():
    getattr_ = moved_names("pkg.mod", {"OLD": ("math", "tau")})
    with pytest.warns(FutureWarning, match="pkg.mod.OLD is renamed math.tau"):
        assert getattr_("OLD") > 6
    with pytest.raises(AttributeError, match="NEW"):
        getattr_("NEW")
