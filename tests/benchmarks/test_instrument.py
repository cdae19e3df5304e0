"""The benchmark's count of Xero round trips on a request's critical path."""

from benchmarks.instrument import rounds


def test_calls_made_at_once_are_one_round():
    assert rounds([(0.0, 0.3), (0.01, 0.32), (0.02, 0.31)]) == 1


def test_calls_one_after_another_are_as_many_rounds():
    assert rounds([(0.0, 0.3), (0.3, 0.6), (0.61, 0.9)]) == 3


def test_a_first_page_then_the_rest_at_once_is_two_rounds():
    first, rest = (0.0, 0.4), [(0.41, 0.8), (0.42, 0.79), (0.42, 0.85)]
    assert rounds([*rest, first]) == 2


def test_no_calls_is_no_round():
    assert rounds([]) == 0
