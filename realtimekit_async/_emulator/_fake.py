"""The public emulator class, :class:`FakeRealtimeKit`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self, TypedDict

from realtimekit_async._emulator._fake_webhooks import WebhookControls
from realtimekit_async._emulator._faults import FaultPlan
from realtimekit_async._emulator._routes import API_ROOT, Api
from realtimekit_async._emulator._seed import SEED_MEETINGS, SEED_RECORDINGS
from realtimekit_async._emulator._seed import seed as seed_state
from realtimekit_async._emulator._server import Server
from realtimekit_async._emulator._state import EmulatorState
from realtimekit_async._emulator._storage import Storage
from realtimekit_async._emulator._wire import truncate_ms

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from realtimekit_async._emulator._delivery import DeliveryPolicy
    from realtimekit_async._emulator._faults import FaultKind
    from realtimekit_async._emulator._journal import JournalEntry

DEFAULT_ACCOUNT_ID = "5f0c3a9e2b7d4e61a8c9f1d2e3b4a5c6"
#: 32 hex digits, the spec's pattern for app ids (``^[a-f0-9]{32}$``).
DEFAULT_APP_ID = "b7e4c1d26a354f089e213c5d7a9b0f14"
DEFAULT_API_TOKEN = "rtk-emulator-token"  # noqa: S105 - a fixed fake credential


class Credentials(TypedDict):
    """What a session needs to reach a :class:`FakeRealtimeKit`: ``RealtimeKitSession(**c)``.

    Attributes:
        account_id: The account id the API path must carry.
        app_id: The app id the API path must carry.
        api_token: The bearer token the emulator accepts.
        base_url: The API root, ``http://127.0.0.1:PORT/client/v4``.
    """

    account_id: str
    app_id: str
    api_token: str
    base_url: str


class FakeRealtimeKit(WebhookControls):
    """An in-process emulator of the RealtimeKit Recordings API, served on 127.0.0.1.

    It serves the six recording endpoints with both error envelopes, the recording state
    machine on an explicit clock, presigned downloads of deterministic bytes, fault
    injection, and a journal of every request. It also serves the Webhooks management API
    and the public key document, and POSTs signed ``recording.statusUpdate`` deliveries to
    the subscribed webhooks on every status change (see :attr:`deliveries`).

    Args:
        account_id: The account id the API path must carry.
        app_id: The app id the API path must carry.
        api_token: The only bearer token accepted.
        max_per_page: Silent cap on ``per_page``.
        default_per_page: Page size when ``per_page`` is absent or 0.
        seed: Seeds ids, sizes, file bytes, signatures and ``cf-ray`` values.
        auto_advance: Make every API request first call ``advance(0)``, so recordings made by
            earlier requests move one step (INVOKED -> RECORDING, UPLOADING -> UPLOADED) per
            request. Meant for demos; tests usually call :meth:`advance` themselves.
        now: The clock's start (aware); defaults to the wall clock at construction. The clock
            then moves only through :meth:`advance`.
        delivery_policy: How webhook deliveries are retried (default :class:`DeliveryPolicy`).

    Attributes:
        account_id: The account id the API path must carry.
        app_id: The app id the API path must carry.
        api_token: The only bearer token accepted.
        journal: Every request received (API and storage), in arrival order; entries are
            completed with the status once answered. Empty it with ``journal.clear()``.

    Example:
        >>> async with FakeRealtimeKit() as fake:  # doctest: +SKIP
        ...     meeting = fake.add_meeting(title="Daily standup")
        ...     rec = fake.add_recording(meeting)
        ...     async with RealtimeKitSession(**fake.credentials) as rtk:
        ...         recording = await rtk.get_recording(rec)
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        app_id: str = DEFAULT_APP_ID,
        api_token: str = DEFAULT_API_TOKEN,
        max_per_page: int = 100,
        default_per_page: int = 25,
        seed: int = 0,
        auto_advance: bool = False,
        now: datetime | None = None,
        delivery_policy: DeliveryPolicy | None = None,
    ) -> None:
        if now is not None and now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if not 1 <= default_per_page <= max_per_page:
            raise ValueError("need 1 <= default_per_page <= max_per_page")
        start = truncate_ms((now or datetime.now(UTC)).astimezone(UTC))
        self.account_id = account_id
        self.app_id = app_id
        self.api_token = api_token
        self.journal: list[JournalEntry] = []
        self._state = EmulatorState(start, seed)
        self._api = Api(
            self._state,
            Storage(seed),
            account_id,
            app_id,
            api_token,
            default_per_page,
            max_per_page,
            auto_advance,
            webhooks=self._setup_webhooks(seed, delivery_policy),
            public_key=lambda: self.webhook_public_key,
        )
        self._faults = FaultPlan()
        self._server = Server(self._api, self._faults, self.journal, seed)

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Serve on ``127.0.0.1:port`` (0 picks a free port); does nothing if serving."""
        await self._server.start(port)
        self._deliverer.start()

    async def close(self) -> None:
        """Stop serving, cancel deliveries in flight; safe to call more than once."""
        await self._deliverer.close()
        await self._server.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """The API root, e.g. ``http://127.0.0.1:PORT/client/v4``.

        Raises:
            RuntimeError: The emulator has not been started.
        """
        if self._server.port is None:
            raise RuntimeError("FakeRealtimeKit is not started; await start() first")
        return f"{self._api.origin}{API_ROOT}"

    @property
    def credentials(self) -> Credentials:
        """Account, app, token and base URL in one mapping: ``RealtimeKitSession(**c)``.

        The keys are the keyword arguments of :class:`~realtimekit_async.RealtimeKitSession`
        (and of ``RealtimeKitSession.from_env``).

        Raises:
            RuntimeError: The emulator has not been started.
        """
        return Credentials(
            account_id=self.account_id,
            app_id=self.app_id,
            api_token=self.api_token,
            base_url=self.base_url,
        )

    # --- data -----------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The emulator clock (aware, UTC, millisecond resolution)."""
        return self._state.now

    def advance(self, seconds: float = 0.0) -> None:
        """Move the clock ``seconds`` forward and progress every recording one step.

        UPLOADING becomes UPLOADED (links, sizes, duration; expiry = now + 7 days), INVOKED
        becomes RECORDING (``started_time`` = now), then RECORDING recordings whose recorded
        time (pauses excluded) reached ``max_seconds`` stop at that moment (UPLOADING, without
        a stop reason) and finish on the next call.

        Raises:
            ValueError: ``seconds`` is negative.
        """
        self._state.advance(seconds)

    def add_meeting(
        self,
        *,
        title: str | None = None,
        meeting_id: str | None = None,
        status: str = "ACTIVE",
        **extra: Any,
    ) -> str:
        """Create a meeting and return its id (a seeded uuid4 unless ``meeting_id`` is given).

        Args:
            title: The meeting title.
            meeting_id: Use this id instead of a generated one.
            status: ``ACTIVE`` or ``INACTIVE``.
            **extra: Other meeting JSON fields (``record_on_start``, ``recording_config``,
                ...), overriding the defaults.
        """
        meeting = self._state.add_meeting(
            title=title, meeting_id=meeting_id, status=status, extra=extra
        )
        return meeting.id

    def add_recording(
        self,
        meeting_id: str,
        *,
        status: str = "UPLOADED",
        invoked_time: datetime | None = None,
        track: bool = False,
        **overrides: Any,
    ) -> str:
        """Create a recording directly in ``status`` and return its id.

        Timestamps, reasons, sizes and (for UPLOADED) files and links are filled in as if the
        recording had lived through its states; finished ones default to being invoked an
        hour before ``now``.

        Args:
            meeting_id: An existing meeting.
            status: Any status; unknown ones are stored as given.
            invoked_time: When it was invoked.
            track: Make a track recording (array-shaped ``download_url``).
            **overrides: Start options (``max_seconds``, ``file_name_prefix``,
                ``audio_config``, ``storage_config``, ``realtimekit_bucket_config``,
                ``layers``, ``user_ids``), recording fields (``file_size``,
                ``started_time``, ``stop_reason``, ...), or any other key, which is added
                to the JSON verbatim.

        Raises:
            KeyError: Unknown meeting.
            ValueError: An invalid start option.
        """
        rec = self._state.add_recording(
            meeting_id,
            status=status,
            invoked_time=invoked_time,
            track=track,
            overrides=dict(overrides),
        )
        return rec.id

    def seed(
        self,
        recordings: int = SEED_RECORDINGS,
        *,
        meetings: int = SEED_MEETINGS,
        fresh_links: bool = False,
    ) -> list[str]:
        """Add deterministic bulk data across all statuses.

        Recordings go back in time six hours apart, so the links of older uploaded ones have
        expired, as they would on a real account.

        Args:
            recordings: How many recordings to create.
            meetings: How many meetings to spread them over.
            fresh_links: Sign every uploaded recording's links from now (valid 7 days), so
                every seeded file can be downloaded; ``expired=True`` then matches none.

        Returns:
            The new recording ids in the server's default list order.

        Raises:
            ValueError: A negative count, or fewer than one meeting.
        """
        return seed_state(self._state, recordings, meetings, fresh_links=fresh_links)

    def renew_links(self, recording_id: str) -> None:
        """Sign an uploaded recording's links afresh, valid for 7 days from now.

        Stands in for the server handing out a fresh presigned link, so a client can be tested
        fetching the recording again after its old link expired. A recording without links
        (not uploaded, or the RealtimeKit bucket disabled) is left as it is.

        Raises:
            KeyError: Unknown recording.
        """
        self._state.renew_links(self._state.recordings[recording_id])

    def remove_recording(self, recording_id: str) -> None:
        """Delete a recording (e.g. to shift offsets during a paged scan).

        Raises:
            KeyError: Unknown recording.
        """
        self._state.remove(recording_id)

    def recording(self, recording_id: str) -> dict[str, Any]:
        """The JSON-ready ``data`` the server sends for get-one.

        Raises:
            KeyError: Unknown recording.
        """
        return self._api.render(self._state.recordings[recording_id], "full")

    @property
    def recording_ids(self) -> list[str]:
        """Every recording id in the default list order (newest ``invoked_time`` first)."""
        return [rec.id for rec in self._state.ordered()]

    def storage_bytes(self, recording_id: str, file_name: str | None = None) -> bytes:
        """The exact bytes served for one of a recording's files.

        Args:
            recording_id: The recording.
            file_name: The file; defaults to the main file (the first, for track recordings).

        Raises:
            KeyError: Unknown recording, or no such file (not uploaded yet).
        """
        rec = self._state.recordings[recording_id]
        name = file_name if file_name is not None else next(iter(rec.files), None)
        if name is None or name not in rec.files:
            raise KeyError(f"recording {recording_id} has no stored file {name!r}")
        return self._api.storage.content(rec, name)

    # --- faults ---------------------------------------------------------------------------

    def inject(
        self,
        kind: FaultKind | str,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        status: int | None = None,
        retry_after: str | int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` matching requests fail with ``kind``.

        Args:
            kind: A :class:`FaultKind` or its value.
            method: Only requests with exactly this method.
            path: Only requests whose path contains this substring.
            times: How many requests to fault.
            status: HTTP status for RATE_LIMIT (429) and SERVER_ERROR (503); for
                SUCCESS_FALSE the ``error.code`` in the body (500).
            retry_after: The ``Retry-After`` header of RATE_LIMIT (default ``"1"``).
            delay: Seconds a SLOW fault waits before answering.

        Raises:
            ValueError: Unknown kind, ``times`` < 1 or a negative delay.
        """
        self._faults.add(
            kind,
            method=method,
            path=path,
            times=times,
            status=status,
            retry_after=retry_after,
            delay=delay,
        )

    def inject_random(
        self,
        rate: float,
        *,
        seed: int,
        kinds: Iterable[FaultKind | str] | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Fault each matching request with probability ``rate``, reproducibly for ``seed``.

        Replaces an earlier random rule; explicit :meth:`inject` faults go first. ``kinds``
        defaults to RATE_LIMIT, SERVER_ERROR and RESET (transient and without effect).
        Random 429s carry ``Retry-After: 0`` and random SLOW faults wait 0.1 s.

        Raises:
            ValueError: ``rate`` outside [0, 1], or an unknown or empty ``kinds``.
        """
        self._faults.set_random(rate, seed=seed, kinds=kinds, method=method, path=path)

    def clear_faults(self) -> None:
        """Forget every pending fault, explicit and random."""
        self._faults.clear()
