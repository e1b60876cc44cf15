import pytest

from tracker.models import format_timestamp, link_at


@pytest.mark.parametrize(
    ("url", "seconds", "expected"),
    [
        ("https://www.youtube.com/watch?v=abc", 1059, "https://www.youtube.com/watch?v=abc&t=1059s"),
        ("https://www.youtube.com/watch?v=abc&t=5s", 90, "https://www.youtube.com/watch?v=abc&t=90s"),
        ("https://youtu.be/abc", 7, "https://youtu.be/abc?t=7s"),
        ("https://example.com/episode.mp3", 61, "https://example.com/episode.mp3#t=61"),
        ("https://example.com/article#section", 61, "https://example.com/article#section"),
        ("https://example.com/episode", None, "https://example.com/episode"),
        ("", 61, ""),
    ],
)
def test_deep_link_points_at_the_moment_when_the_host_allows_it(url, seconds, expected):
    assert link_at(url, seconds) == expected


@pytest.mark.parametrize(("seconds", "label"), [(None, ""), (0, "0:00"), (59, "0:59"), (1059, "17:39"),
                                                 (11099, "3:04:59")])
def test_timestamps_read_like_a_player_shows_them(seconds, label):
    assert format_timestamp(seconds) == label
