"""FutureCursorState: a saved cursor later than the instance's clock is dropped (the stream is read as if it had no
state); the instance's clock is asked only for a state within a day of this machine's clock."""

import logging
from datetime import datetime, timedelta, timezone

from components import FutureCursorState, SyncContext

CONFIG = {SyncContext.TOKEN_KEY: "future-state"}


class FakeClock:
    """ServerClock: the second of the instance's Date header (None: it could not be read); counts the questions."""

    def __init__(self, second):
        self.answer, self.asked = second, 0

    def second(self):
        self.asked += 1
        return self.answer


def migration(server_second):
    clock = SyncContext.of(CONFIG).clock = FakeClock(server_second)
    return FutureCursorState(config=CONFIG, parameters={"name": "hardware"}), clock


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


NOW = datetime.now(timezone.utc)


def test_a_state_later_than_the_instances_clock_is_dropped_with_a_warning(caplog):
    state = {"updated_at_datetime": "2099-01-01T00:00:00Z", "other": 1}
    future, _ = migration(stamp(NOW))
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert future.should_migrate(state)
    assert future.migrate(state) == {"other": 1}
    assert "Stream hardware: the saved state's updated_at_datetime 2099-01-01T00:00:00Z is later than the instance's " \
           "clock" in caplog.text


def test_a_state_older_than_a_day_is_kept_without_asking_the_instance():
    future, clock = migration(stamp(NOW - timedelta(days=30)))
    assert not future.should_migrate({"updated_at_datetime": stamp(NOW - timedelta(days=2))})
    assert clock.asked == 0


def test_a_recent_state_the_instances_clock_has_passed_is_kept():
    future, clock = migration(stamp(NOW + timedelta(minutes=5)))
    assert not future.should_migrate({"updated_at_datetime": stamp(NOW + timedelta(minutes=1))})
    assert clock.asked == 1


def test_a_recent_state_ahead_of_a_slow_instance_clock_is_dropped():
    # this machine is five minutes ahead of the instance: the state of a sync timed by this machine's clock
    future, _ = migration(stamp(NOW - timedelta(minutes=10)))
    assert future.should_migrate({"updated_at_datetime": stamp(NOW - timedelta(minutes=5))})


def test_without_the_instances_clock_this_machines_clock_decides(caplog):
    future, _ = migration(None)
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert future.should_migrate({"updated_at_datetime": stamp(NOW + timedelta(hours=2))})
    assert "is later than this machine's clock (" in caplog.text
    assert not future.should_migrate({"updated_at_datetime": stamp(NOW - timedelta(hours=2))})


def test_no_state_or_another_cursor_is_left_alone():
    future, clock = migration(stamp(NOW))
    assert not future.should_migrate({})
    assert not future.should_migrate({"updated_at_datetime": 1765100000})
    activity = FutureCursorState(config=CONFIG, parameters={"name": "activity", "cursor_field": "created_at_datetime"})
    assert not activity.should_migrate({"updated_at_datetime": "2099-01-01T00:00:00Z"})
    assert activity.should_migrate({"created_at_datetime": "2099-01-01T00:00:00Z"})
