"""One label table for the figures, in the government wording of the weekly report."""

from django.utils import translation

from tasks.filters import STATE_CHOICES
from tasks.labels import COUNT_LABELS, STATE_LABELS
from tasks.selectors import COUNT_KEYS


def test_every_count_has_one_label_in_the_count_order():
    assert tuple(COUNT_LABELS) == COUNT_KEYS


def test_the_four_way_states_read_as_in_government_reports_everywhere():
    with translation.override("vi"):
        words = {key: str(label) for key, label in STATE_LABELS.items()}
        filter_words = {key: str(label) for key, label in STATE_CHOICES}

    assert words == {
        "completed_on_time": "Hoàn thành đúng hạn",
        "completed_late": "Hoàn thành quá hạn",
        "open_within_deadline": "Chưa hoàn thành, trong hạn",
        "open_overdue": "Chưa hoàn thành, quá hạn",
        "cancelled": "Dừng thực hiện",
    }
    assert filter_words == words
