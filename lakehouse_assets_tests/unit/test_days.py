from datetime import date

from lakehouse_assets.days import days_in, window_text


def test_a_window_lists_its_days_and_leaves_out_its_end() -> None:
    assert days_in((date(2013, 2, 27), date(2013, 3, 2))) == [date(2013, 2, 27), date(2013, 2, 28), date(2013, 3, 1)]
    assert window_text((date(2013, 2, 27), date(2013, 3, 2))) == "2013-02-27..2013-03-01"


def test_an_empty_or_reversed_window_has_no_days() -> None:
    assert days_in((date(2013, 1, 1), date(2013, 1, 1))) == []
    assert days_in((date(2013, 1, 2), date(2013, 1, 1))) == []
