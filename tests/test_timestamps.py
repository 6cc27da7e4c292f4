"""The one way the desk writes and reads times in records, the API, exports and feeds."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsroom.timestamps import format_timestamp, parse_timestamp


def test_times_are_written_in_utc_with_milliseconds_and_a_z():
    tokyo = timezone(timedelta(hours=9))

    written = format_timestamp(datetime(2026, 7, 5, 0, 10, 0, 999_999, tzinfo=tokyo))

    assert written == "2026-07-04T15:10:00.999Z"


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000Z"),
        (datetime(999, 6, 15, 12, 34, 56, 789_000, tzinfo=UTC), "0999-06-15T12:34:56.789Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), "9999-12-31T23:59:59.999Z"),
    ],
)
def test_every_year_is_written_with_four_digits_and_reads_back(moment, written):
    assert format_timestamp(moment) == written
    assert parse_timestamp(written) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_no_time_is_written_as_none():
    assert format_timestamp(None) is None


@pytest.mark.parametrize("text", ["2026-07-04T15:10:00.999Z", "2026-07-05T00:10:00.999+09:00"])
def test_times_with_z_or_an_offset_read_as_the_same_moment(text):
    assert parse_timestamp(text) == datetime(2026, 7, 4, 15, 10, 0, 999_000, tzinfo=UTC)


def test_a_written_time_reads_back_as_itself():
    moment = datetime(2026, 7, 4, 15, 8, 56, 123_000, tzinfo=UTC)

    assert parse_timestamp(format_timestamp(moment)) == moment


def test_a_time_without_a_time_zone_is_refused_with_what_to_add():
    with pytest.raises(ValueError, match="'2026-07-04T15:10:00' has no time zone; end it with Z for UTC"):
        parse_timestamp("2026-07-04T15:10:00")


def test_text_that_is_not_a_time_is_refused_with_an_example():
    with pytest.raises(ValueError, match=r"'tuesday' is not an ISO-8601 time such as 2026-07-04T15:08:56\.000Z"):
        parse_timestamp("tuesday")
