"""The webhook side of :class:`~realtimekit_async.testing.FakeRealtimeKit` (a mixin).

It wires the management API, the signing key and the deliveries to the emulator's state:
every status change a request or the clock makes is delivered to the subscribed webhooks.
"""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING

from realtimekit_async._emulator._delivery import Deliverer, DeliveryPolicy
from realtimekit_async._emulator._payloads import (
    RECORDING_EVENT,
    body_bytes,
    recording_status_update,
)
from realtimekit_async._emulator._routes import API_ROOT, WELL_KNOWN_PATH
from realtimekit_async._emulator._webhooks import (
    WebhookRegistry,
    check_enabled,
    check_events,
    check_name,
    check_url,
)
from realtimekit_async._emulator._wire import ApiError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from realtimekit_async._emulator._delivery import Delivery, DeliveryFault
    from realtimekit_async._emulator._records import Recording
    from realtimekit_async._emulator._routes import Api
    from realtimekit_async._emulator._state import EmulatorState


class WebhookControls:
    """Webhook registration, signed deliveries, delivery faults and their journal."""

    app_id: str
    _state: EmulatorState
    _api: Api
    _deliverer: Deliverer
    _webhooks: WebhookRegistry

    def _setup_webhooks(self, seed: int, policy: DeliveryPolicy | None) -> WebhookRegistry:
        ids = random.Random(f"webhooks/{seed}")
        self._deliverer = Deliverer(seed, policy or DeliveryPolicy())
        self._webhooks = WebhookRegistry(
            lambda: self._state.now,
            lambda: str(uuid.UUID(int=ids.getrandbits(128), version=4)),
            lambda: self._deliverer.signer,
        )
        self._state.listeners.append(self._recording_changed)
        return self._webhooks

    def _recording_changed(self, rec: Recording) -> None:
        hooks = self._webhooks.subscribers(RECORDING_EVENT)
        if not hooks:
            return
        # Rendered now, not when sent: each delivery shows the recording as it was then.
        meeting = self._state.meetings.get(rec.meeting_id)
        payload = recording_status_update(rec, self._api.render(rec, "full"), meeting, self.app_id)
        targets = [(hook.id, hook.url) for hook in hooks]
        self._deliverer.publish(targets, RECORDING_EVENT, body_bytes(payload))

    @property
    def webhook_public_key(self) -> str:
        """The PEM public key deliveries are signed with (one key per process).

        Raises:
            ImportError: ``cryptography`` (the ``webhooks`` extra) is not installed.
        """
        return self._deliverer.signer.public_pem

    @property
    def base_url(self) -> str:
        """The API root (defined by the emulator class)."""
        raise NotImplementedError

    @property
    def webhook_key_url(self) -> str:
        """Where the emulator serves its key document (``WebhookKeyCache(url=...)``).

        Raises:
            RuntimeError: The emulator has not been started.
        """
        return self.base_url.removesuffix(API_ROOT) + WELL_KNOWN_PATH

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery try, in the order they finished (dropped ones when dropped).

        Empty it with ``deliveries.clear()``.
        """
        return self._deliverer.journal

    @property
    def delivery_policy(self) -> DeliveryPolicy:
        """How deliveries are retried; assign a new :class:`DeliveryPolicy` to change it."""
        return self._deliverer.policy

    @delivery_policy.setter
    def delivery_policy(self, policy: DeliveryPolicy) -> None:
        self._deliverer.policy = policy

    def add_webhook(
        self,
        url: str,
        *,
        events: Iterable[str] = (RECORDING_EVENT,),
        name: str = "emulator webhook",
        enabled: bool = True,
    ) -> str:
        """Register a webhook directly (as ``POST …/webhooks`` would) and return its id.

        Raises:
            ValueError: A bad URL, name or event name.
            ImportError: ``cryptography`` (the ``webhooks`` extra) is not installed.
        """
        try:
            checked = (check_name(name), check_url(url), check_events(list(events)))
            check_enabled(enabled)
        except ApiError as exc:
            raise ValueError(exc.message) from None
        return self._webhooks.add(*checked, enabled=enabled).id

    def fail_recording(self, recording_id: str) -> None:
        """Make an unfinished recording fail: ERRORED, stopped now, delivered to webhooks.

        Raises:
            KeyError: Unknown recording.
            ValueError: It is UPLOADED or ERRORED already.
        """
        self._state.fail(recording_id)

    def inject_delivery(
        self,
        kind: DeliveryFault | str,
        *,
        event: str | None = None,
        webhook_id: str | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` matching deliveries duplicated, delayed or dropped.

        Args:
            kind: A :class:`DeliveryFault` or its value.
            event: Only deliveries of this event.
            webhook_id: Only deliveries to this webhook.
            times: How many deliveries to fault.
            delay: Seconds a DELAY fault holds the delivery back.

        Raises:
            ValueError: Unknown kind, ``times`` < 1 or a negative delay.
        """
        self._deliverer.inject(kind, event, webhook_id, times, delay)

    def clear_delivery_faults(self) -> None:
        """Forget every pending delivery fault."""
        self._deliverer.clear_faults()

    async def drain_deliveries(self, timeout: float | None = 10.0) -> None:
        """Wait until every delivery made so far has been sent (retries included).

        Deliveries flow only while the emulator serves. Call it before looking at
        :attr:`deliveries` or at what a receiver got.

        Raises:
            TimeoutError: Deliveries were still going on after ``timeout`` seconds.
        """
        await self._deliverer.drain(timeout)
