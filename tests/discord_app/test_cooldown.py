"""Per-user question cooldown."""

from __future__ import annotations

import pytest

from bot.core.errors import RateLimited, StoreError
from bot.discord_app.cooldown import Cooldown


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_second_question_too_soon_is_refused() -> None:
    """Within the window the user gets RateLimited with the time left."""
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.hit(1)
    clock.now += 2
    with pytest.raises(RateLimited) as caught:
        cooldown.hit(1)
    assert caught.value.retry_after == pytest.approx(3)


def test_after_the_window_the_user_may_ask_again() -> None:
    """Once the window passed the question goes through."""
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.hit(1)
    clock.now += 5
    cooldown.hit(1)
    assert cooldown.retry_after(1) == pytest.approx(5)


def test_users_are_independent() -> None:
    """One user's cooldown does not affect another."""
    cooldown = Cooldown(5, Clock())
    cooldown.hit(1)
    cooldown.hit(2)
    assert cooldown.retry_after(3) == 0


def test_refused_questions_do_not_extend_the_wait() -> None:
    """Retrying early does not restart the window."""
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.hit(1)
    clock.now += 4
    with pytest.raises(RateLimited):
        cooldown.hit(1)
    clock.now += 1
    cooldown.hit(1)


@pytest.mark.parametrize("seconds", [0, -1])
def test_zero_turns_it_off(seconds: int) -> None:
    """A cooldown of 0 never refuses."""
    cooldown = Cooldown(seconds, Clock())
    for _ in range(3):
        cooldown.hit(1)


def test_memory_is_bounded() -> None:
    """Expired entries are pruned when many users were seen."""
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.MAX_TRACKED = 10
    for user in range(10):
        cooldown.hit(user)
    clock.now += 10
    cooldown.hit("late")
    assert len(cooldown) == 1


def test_a_refused_user_is_warned_once_per_window() -> None:
    """first_warning is True once per cooldown window, and again in the next window."""
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.hit(1)
    assert [cooldown.first_warning(1) for _ in range(3)] == [True, False, False]
    assert cooldown.first_warning(2) is False  # never asked: nothing to warn about
    clock.now += 6
    cooldown.hit(1)
    assert cooldown.first_warning(1) is True


@pytest.mark.parametrize(
    ("server_seconds", "wait", "refused"), [(30, 10, True), (30, 31, False), (0, 0, False), (2, 3, False)]
)
def test_a_server_window_overrides_the_default(server_seconds: int, wait: float, refused: bool) -> None:
    """A server's own cooldown (/settings) replaces the bot's default window for that hit."""
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.hit("ann", server_seconds)
    clock.now += wait
    if refused:
        with pytest.raises(RateLimited):
            cooldown.hit("ann", server_seconds)
    else:
        cooldown.hit("ann", server_seconds)


def test_pruning_keeps_users_inside_a_long_server_window() -> None:
    """Many users seen: a user inside a server's 60 s window is not forgotten by pruning at the default 5 s."""
    clock = Clock()
    cooldown = Cooldown(5, clock)
    cooldown.MAX_TRACKED = 3
    cooldown.hit("slow", 60)
    for user in range(3):
        cooldown.hit(user)
    clock.now += 10
    cooldown.hit("late")
    with pytest.raises(RateLimited):
        cooldown.hit("slow", 60)


class _Shared:
    """The database side of a shared cooldown, reduced to a dict (what other processes recorded)."""

    def __init__(self, clock: Clock, *, down: bool = False) -> None:
        self.clock = clock
        self.last: dict[str, float] = {}
        self.calls = 0
        self.down = down

    async def cooldown_hit(self, user: str, seconds: float) -> float:
        self.calls += 1
        if self.down:
            raise StoreError("could not save to vizbot.db: the database is locked by another program")
        last = self.last.get(user)
        if last is not None and last + seconds > self.clock.now:
            return last + seconds - self.clock.now
        self.last[user] = self.clock.now
        return 0.0


async def test_a_question_through_another_process_counts() -> None:
    """Shared: the database's record of another process's question refuses this one, with its wait."""
    clock = Clock()
    shared = _Shared(clock)
    shared.last["7"] = clock.now - 2  # asked 2 s ago in a server of another shard
    cooldown = Cooldown(5, clock, shared=shared)
    with pytest.raises(RateLimited) as caught:
        await cooldown.check(7)
    assert caught.value.retry_after == pytest.approx(3)
    assert cooldown.first_warning(7) and not cooldown.first_warning(7)  # warned once, as for our own
    clock.now += 3
    await cooldown.check(7)
    assert shared.last["7"] == clock.now


async def test_memory_answers_first_and_the_database_only_when_needed() -> None:
    """A question this process let through refuses the next without asking the database; no window, no call."""
    clock = Clock()
    shared = _Shared(clock)
    cooldown = Cooldown(5, clock, shared=shared)
    await cooldown.check(1)
    with pytest.raises(RateLimited):
        await cooldown.check(1)
    assert shared.calls == 1
    await cooldown.check(1, 0)  # a server with no cooldown
    assert shared.calls == 1


async def test_without_a_shared_store_check_is_hit() -> None:
    """One process (all shards): the in-memory cooldown alone, as before."""
    clock = Clock()
    cooldown = Cooldown(5, clock)
    await cooldown.check(1)
    with pytest.raises(RateLimited):
        cooldown.hit(1)


async def test_an_unreachable_database_falls_back_to_memory() -> None:
    """The database failing never refuses a question: this process's own memory judges it."""
    clock = Clock()
    cooldown = Cooldown(5, clock, shared=_Shared(clock, down=True))
    await cooldown.check(1)
    with pytest.raises(RateLimited):
        await cooldown.check(1)
