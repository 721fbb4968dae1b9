"""The one assertion every bad-input catalogue makes (``tests/test_bad_input_*.py``).

A bad input must fail before anything runs, with the project's message format,
``argument=value is not allowed: what is allowed``: so the message starts with the argument.
"""
import re

import pytest


def assert_refused(call, error, argument: str) -> None:
    """``call()`` raises ``error``, and its message starts with ``argument=``."""
    with pytest.raises(error) as raised:
        call()
    assert re.match(f"{re.escape(argument)}=", str(raised.value)), f"{argument}: {raised.value}"
