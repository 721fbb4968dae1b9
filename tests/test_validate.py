"""The one count validator every pattern uses: whole numbers in range, named in the error."""
import numpy as np
import pytest

from coordlab.world import validate


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_whole_numbers_in_range_come_back_as_int(value):
    assert validate.count("n", value) == int(value)
    assert type(validate.count("n", value)) is int


@pytest.mark.parametrize("value", [True, 2.0, 2.5, "3", None])
def test_what_is_not_a_whole_number_is_a_type_error_naming_the_argument(value):
    with pytest.raises(TypeError, match=r"^agents=.* is not allowed: agents must be an int >= 1$"):
        validate.count("agents", value)


@pytest.mark.parametrize("value, minimum, maximum", [(0, 1, None), (-1, 0, None), (11, 0, 10)])
def test_out_of_range_is_a_value_error_saying_the_range(value, minimum, maximum):
    with pytest.raises(ValueError, match=f"rounds={value} is not allowed: rounds must be an int "):
        validate.count("rounds", value, minimum=minimum, maximum=maximum)


def test_a_bounded_count_says_both_ends():
    with pytest.raises(ValueError, match="must be an int from 0 to 10"):
        validate.count("k", 11, minimum=0, maximum=10)
