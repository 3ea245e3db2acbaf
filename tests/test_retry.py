import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import RetryPolicy
from realtimekit_async._retry import Decision, Failure, Safety, Verdict

policy = RetryPolicy(attempts=3, backoff_initial=1.0, backoff_max=4.0, jitter=0.0, deadline=60.0)


def decide(failure: Failure, safety: Safety = Safety.IDEMPOTENT, **kw: object) -> Decision:
    args: dict[str, object] = {"attempt": 1, "remaining": 60.0} | kw
    return policy.decide(failure=failure, safety=safety, **args)  # type: ignore[arg-type]


def test_reads_retry_transient_failures() -> None:
    """A read retries connect errors, ambiguous failures and retryable statuses."""
    assert decide(Failure.NOT_SENT) == Decision(Verdict.RETRY, 1.0)
    assert decide(Failure.AMBIGUOUS, attempt=2) == Decision(Verdict.RETRY, 2.0)
    for status in (429, 500, 502, 503, 504):
        assert decide(Failure.STATUS, status=status).verdict is Verdict.RETRY


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
@pytest.mark.parametrize("safety", list(Safety))
def test_answers_are_never_retried(status: int, safety: Safety) -> None:
    """A 4xx other than 429 (409 included) is final for every operation."""
    assert decide(Failure.STATUS, safety, status=status) == Decision(Verdict.RAISE)


def test_writes_reconcile_or_report_unknown_outcome() -> None:
    """After an ambiguous failure, writes never resend blindly."""
    assert decide(Failure.AMBIGUOUS, Safety.RECONCILE).verdict is Verdict.RECONCILE
    assert decide(Failure.STATUS, Safety.RECONCILE, status=500).verdict is Verdict.RECONCILE
    assert decide(Failure.AMBIGUOUS, Safety.UNSAFE).verdict is Verdict.UNKNOWN_OUTCOME
    assert decide(Failure.STATUS, Safety.UNSAFE, status=502).verdict is Verdict.UNKNOWN_OUTCOME


@pytest.mark.parametrize("safety", list(Safety))
def test_refused_requests_retry_for_every_operation(safety: Safety) -> None:
    """Not sent, 429 and 503 mean nothing happened: even unsafe writes may go again."""
    assert decide(Failure.NOT_SENT, safety).verdict is Verdict.RETRY
    assert decide(Failure.STATUS, safety, status=429).verdict is Verdict.RETRY
    assert decide(Failure.STATUS, safety, status=503).verdict is Verdict.RETRY


def test_attempts_and_deadline_bound_retries() -> None:
    """The last attempt and a wait past the deadline both end the call."""
    assert decide(Failure.NOT_SENT, attempt=3).verdict is Verdict.RAISE
    assert decide(Failure.NOT_SENT, remaining=0.5) == Decision(Verdict.RAISE, 1.0)
    assert decide(Failure.NOT_SENT, remaining=None).verdict is Verdict.RETRY


def test_retry_after_is_honoured_whatever_its_size() -> None:
    """Retry-After replaces the backoff as long as it fits the deadline."""
    assert decide(Failure.STATUS, status=429, retry_after=45.0) == Decision(Verdict.RETRY, 45.0)
    assert decide(Failure.STATUS, status=429, retry_after=120.0, remaining=30.0) == Decision(
        Verdict.RAISE, 120.0
    )
    ignoring = RetryPolicy(respect_retry_after=False, jitter=0.0, backoff_initial=1.0)
    decision = ignoring.decide(
        failure=Failure.STATUS,
        safety=Safety.IDEMPOTENT,
        attempt=1,
        remaining=None,
        status=429,
        retry_after=99.0,
    )
    assert decision == Decision(Verdict.RETRY, 1.0)


@given(st.integers(1, 60), st.floats(0, 1, exclude_max=True))
def test_backoff_is_capped_and_jittered(retry_number: int, rand: float) -> None:
    """Backoff grows exponentially up to the cap; jitter only shortens it."""
    jittery = RetryPolicy(backoff_initial=0.5, backoff_max=30.0, jitter=0.5)
    wait = jittery.backoff(retry_number, rand)
    full = min(30.0, 0.5 * 2 ** (retry_number - 1))
    assert full * 0.5 <= wait <= full


def test_policy_validates_and_disables() -> None:
    """Nonsense settings are refused; disabled() sends once."""
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="deadline"):
        RetryPolicy(deadline=0)
    once = RetryPolicy.disabled(deadline=5.0)
    assert (once.attempts, once.deadline) == (1, 5.0)
    assert RetryPolicy(retry_statuses=[500]).retry_statuses == frozenset({500})
