"""The waiting helpers: polling until something holds, and asking a locked VM again until a deadline."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, TaskFailedError, TimeoutError_
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import retry_while_locked, wait_for, wait_for_task


class FakeClock:
    """A clock that moves only when slept on, so a test sees every pause and never waits."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_for_returns_the_first_truthy_answer_with_growing_intervals():
    clock = FakeClock()
    answers = iter([None, False, None, None, {'done': True}])
    assert wait_for(lambda: next(answers), 60, 'x', interval=0.25, max_interval=1, clock=clock, sleep=clock.sleep) == {'done': True}
    assert clock.sleeps == [0.25, 0.5, 1, 1]


def test_wait_for_counts_a_falsy_answer_other_than_none_and_false_as_done():
    clock = FakeClock()
    assert wait_for(lambda: 0, 60, 'x', clock=clock, sleep=clock.sleep) == 0
    assert wait_for(list, 60, 'x', clock=clock, sleep=clock.sleep) == []
    assert clock.sleeps == []


def test_wait_for_times_out_saying_what_it_waited_for():
    clock = FakeClock()
    with pytest.raises(TimeoutError_) as caught:
        wait_for(lambda: None, 5, 'VM to stop', hypervisor='hv', subject="VM 'a'", clock=clock, sleep=clock.sleep)
    assert str(caught.value) == "hv: VM 'a': timed out after 5s waiting for VM to stop"
    assert clock.now == 5, 'the last pause is cut to the deadline'


def test_wait_for_with_no_time_left_asks_once():
    clock = FakeClock()
    calls = []
    with pytest.raises(TimeoutError_):
        wait_for(lambda: calls.append(1), -3, 'x', clock=clock, sleep=clock.sleep)
    assert calls == [1] and clock.sleeps == []


def test_wait_for_lets_a_check_stop_early():
    def check():
        raise TaskFailedError('task failed')

    with pytest.raises(TaskFailedError):
        wait_for(check, 60, 'task')


def locked(message='VM is locked (backup)'):
    return ConflictError(message, details={'locked': True})


def test_a_locked_refusal_is_asked_again_until_it_goes_through():
    clock = FakeClock()
    answers = [locked(), locked(), 'done']

    def action():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retry_while_locked(action, deadline=30, clock=clock, sleep=clock.sleep) == 'done'
    assert clock.sleeps == [1.0, 1.0]


def test_a_lock_past_the_deadline_is_raised_saying_how_long():
    clock = FakeClock()
    attempts = []

    def action():
        attempts.append(clock.now)
        raise locked()

    with pytest.raises(ConflictError) as caught:
        retry_while_locked(action, deadline=3, clock=clock, sleep=clock.sleep)
    assert caught.value.message == 'still locked after 3s: VM is locked (backup)'
    assert attempts == [0.0, 1.0, 2.0, 3.0]


def test_the_pause_before_the_last_attempt_is_cut_to_the_deadline():
    clock = FakeClock()

    def action():
        raise locked()

    with pytest.raises(ConflictError):
        retry_while_locked(action, deadline=1.5, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [1.0, 0.5]


@pytest.mark.parametrize(
    'error',
    [
        ConflictError("name 'twin' is taken"),  # a conflict that no wait resolves
        TaskFailedError('TASK ERROR: QEMU exited with code 1'),
    ],
    ids=['conflict-not-locked', 'other-error'],
)
def test_anything_but_a_locked_refusal_is_raised_at_once(error):
    clock = FakeClock()
    attempts = []
    message = error.message

    def action():
        attempts.append(1)
        raise error

    with pytest.raises(type(error)) as caught:
        retry_while_locked(action, deadline=30, clock=clock, sleep=clock.sleep)
    assert caught.value is error and caught.value.message == message
    assert attempts == [1] and clock.sleeps == []


def test_wait_for_looks_first_after_first_delay():
    clock = FakeClock()
    answers = iter([None, 'done'])
    assert wait_for(lambda: next(answers), 60, 'x', interval=0.4, first_delay=0.2, clock=clock, sleep=clock.sleep) == 'done'
    assert clock.sleeps == [0.2, 0.4]


def test_wait_for_task_sees_a_half_second_task_over_at_its_second_look():
    """A task the server runs after answering: looks at 0.2 s and 0.6 s, so 0.5 s of work costs two."""
    clock = FakeClock()
    looks = []

    def finished():
        looks.append(clock.now)
        return 'OK' if clock.now >= 0.5 else None

    assert wait_for_task(finished, 60, 'task', clock=clock, sleep=clock.sleep) == 'OK'
    assert looks == [pytest.approx(0.2), pytest.approx(0.6)]


def test_wait_for_task_backs_off_to_two_seconds_and_keeps_its_deadline():
    clock = FakeClock()
    with pytest.raises(TimeoutError_):
        wait_for_task(lambda: None, 10, 'task', clock=clock, sleep=clock.sleep)
    assert clock.sleeps[:5] == [pytest.approx(0.2), pytest.approx(0.4), pytest.approx(0.8), pytest.approx(1.6), pytest.approx(2.0)]
    assert clock.now == pytest.approx(10)
