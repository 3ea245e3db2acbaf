"""Webhook deliveries: sign, POST in order per webhook, retry like the service, journal.

As documented (``WEBHOOKS.md``): any 2xx is a success; a 5xx or a network error (a timeout
included) is retried with the same ``rtk-uuid`` and body; any other answer is a failed
delivery and is not retried. Each webhook gets its deliveries one after another, in the order
the changes happened; injected faults can duplicate, hold back (so later ones overtake it)
or drop a delivery.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import deque
from dataclasses import dataclass, replace
from enum import StrEnum
from math import isfinite
from typing import TYPE_CHECKING

import aiohttp

from realtimekit_async._emulator._signing import Signer

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterable
    from typing import Any

USER_AGENT = "RealtimeKit-Webhooks (realtimekit_async emulator)"


class DeliveryFault(StrEnum):
    """What :meth:`~realtimekit_async.testing.FakeRealtimeKit.inject_delivery` can do.

    Attributes:
        DUPLICATE: Deliver it twice in a row, with the same ``rtk-uuid``.
        DELAY: Hold it back ``delay`` seconds while later deliveries go on (out of order).
        DROP: Never send it (journaled with status None).
    """

    DUPLICATE = "duplicate"
    DELAY = "delay"
    DROP = "drop"


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the emulator retries a delivery (the service publishes no numbers).

    Args:
        attempts: Tries in all, the first one included (older Dyte docs: up to 5 retries).
        backoff: Seconds before the first retry; doubled for each further one.
        max_backoff: The longest pause between two tries.
        timeout: Seconds a receiver has to answer (older Dyte docs asked for 3 s); a
            slower answer counts as a network error.
    """

    attempts: int = 6
    backoff: float = 0.5
    max_backoff: float = 8.0
    timeout: float = 3.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        times = (self.backoff, self.max_backoff, self.timeout)
        if not all(isfinite(t) and t >= 0 for t in times) or self.timeout == 0:
            raise ValueError("backoff and max_backoff must be >= 0 and timeout > 0, all finite")

    def pause(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        return min(self.backoff * 2.0 ** (attempt - 1), self.max_backoff)


@dataclass(frozen=True)
class Delivery:
    """One try to deliver one event to one webhook (the journal's entries).

    Attributes:
        webhook_id: The webhook (``rtk-webhook-id``).
        event: The event name.
        delivery_id: The delivery's id (``rtk-uuid``), the same on every retry.
        attempt: 1 for the first try, 2 for the first retry...; 0 for a dropped delivery.
        url: Where it was sent.
        status: The receiver's HTTP status, or None (network error, timeout, dropped).
        error: What went wrong when there is no status.
        fault: The injected :class:`DeliveryFault` value, or None.
        body: The exact bytes sent.
    """

    webhook_id: str
    event: str
    delivery_id: str
    attempt: int
    url: str
    status: int | None
    error: str | None = None
    fault: str | None = None
    body: bytes = b""

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class _Outgoing:
    webhook_id: str
    url: str
    event: str
    delivery_id: str
    body: bytes
    signature: str
    fault: str | None = None


@dataclass
class _Rule:
    kind: DeliveryFault
    event: str | None
    webhook_id: str | None
    times: int
    delay: float


class Deliverer:
    """Sends deliveries from background tasks of the running loop, while the emulator serves.

    Args:
        seed: Seeds the delivery ids.
        policy: Retry timing.
    """

    def __init__(self, seed: int, policy: DeliveryPolicy) -> None:
        self.policy = policy
        #: Every try, in the order they finished.
        self.journal: list[Delivery] = []
        self._ids = random.Random(f"deliveries/{seed}")
        self._signer: Signer | None = None
        self._rules: list[_Rule] = []
        self._queues: dict[str, deque[_Outgoing]] = {}
        self._held: list[tuple[_Outgoing, float]] = []
        self._workers: dict[str, asyncio.Task[None]] = {}
        # Strong references: the loop keeps only weak ones to running tasks.
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: aiohttp.ClientSession | None = None
        self._serving = False

    @property
    def signer(self) -> Signer:
        """The signing key, made on first use (ImportError without cryptography)."""
        if self._signer is None:
            self._signer = Signer()
        return self._signer

    def inject(
        self,
        kind: DeliveryFault | str,
        event: str | None,
        webhook_id: str | None,
        times: int,
        delay: float,
    ) -> None:
        """Apply ``kind`` to the next ``times`` matching deliveries.

        Raises:
            ValueError: Unknown kind, ``times`` < 1, or a negative or infinite delay.
        """
        fault = DeliveryFault(kind)
        if times < 1 or not (isfinite(delay) and delay >= 0):
            raise ValueError("times must be at least 1 and delay a finite number >= 0")
        self._rules.append(_Rule(fault, event, webhook_id, times, delay))

    def clear_faults(self) -> None:
        """Forget every pending delivery fault."""
        self._rules.clear()

    def _pick(self, event: str, webhook_id: str) -> _Rule | None:
        for rule in self._rules:
            if rule.event in {None, event} and rule.webhook_id in {None, webhook_id}:
                rule.times -= 1
                if rule.times == 0:
                    self._rules.remove(rule)
                return rule
        return None

    def publish(self, targets: Iterable[tuple[str, str]], event: str, body: bytes) -> None:
        """Queue one delivery of ``body`` to each ``(webhook_id, url)``; send if serving."""
        signature: str | None = None
        for webhook_id, url in targets:
            signature = signature or self.signer.sign(body)
            delivery_id = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
            out = _Outgoing(webhook_id, url, event, delivery_id, body, signature)
            rule = self._pick(event, webhook_id)
            kind = None if rule is None else rule.kind
            if rule is not None and kind is DeliveryFault.DROP:
                self.journal.append(
                    Delivery(
                        webhook_id, event, delivery_id, 0, url, None, "dropped", kind.value, body
                    )
                )
            elif rule is not None and kind is DeliveryFault.DELAY:
                self._held.append((replace(out, fault=kind.value), rule.delay))
            else:
                queue = self._queues.setdefault(webhook_id, deque())
                queue.append(out)
                if kind is DeliveryFault.DUPLICATE:
                    queue.append(replace(out, fault=kind.value))
        self._kick()

    def start(self) -> None:
        """The emulator serves: send what is queued and whatever comes next."""
        self._serving = True
        self._kick()

    def _kick(self) -> None:
        # Tasks of the running loop: a change made while serving comes from the loop's thread.
        if not self._serving:
            return
        for webhook_id, queue in self._queues.items():
            if queue and webhook_id not in self._workers:
                self._workers[webhook_id] = self._spawn(self._work(webhook_id))
        held, self._held = self._held, []
        for out, delay in held:
            self._spawn(self._later(out, delay))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _work(self, webhook_id: str) -> None:
        queue = self._queues[webhook_id]
        try:
            while queue:
                await self._deliver(queue.popleft())
        finally:
            self._workers.pop(webhook_id, None)

    async def _later(self, out: _Outgoing, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._deliver(out)

    async def _deliver(self, out: _Outgoing) -> None:
        attempt = 0
        while True:
            attempt += 1
            status, error = await self._post(out)
            self.journal.append(
                Delivery(
                    out.webhook_id,
                    out.event,
                    out.delivery_id,
                    attempt,
                    out.url,
                    status,
                    error,
                    out.fault,
                    out.body,
                )
            )
            # The policy is read at each try, so a test may change it while deliveries run.
            if (status is not None and status < 500) or attempt >= self.policy.attempts:
                return
            await asyncio.sleep(self.policy.pause(attempt))

    async def _post(self, out: _Outgoing) -> tuple[int | None, str | None]:
        if self._client is None:
            self._client = aiohttp.ClientSession()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "rtk-signature": out.signature,
            "rtk-uuid": out.delivery_id,
            "rtk-webhook-id": out.webhook_id,
        }
        timeout = aiohttp.ClientTimeout(total=self.policy.timeout)
        try:
            async with self._client.post(
                out.url, data=out.body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                return response.status, None
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, f"{type(exc).__name__}: {exc}".rstrip(": ")

    async def drain(self, timeout: float | None) -> None:
        """Wait until nothing is queued, held back or being sent.

        Raises:
            TimeoutError: Still busy after ``timeout`` seconds (the deliveries go on).
        """
        self._kick()
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            # asyncio.wait, not a timeout around gather: running out of time must not
            # cancel the deliveries themselves.
            done, pending = await asyncio.wait(set(self._tasks), timeout=left)
            if pending:
                raise TimeoutError(f"{len(pending)} webhook deliveries still running")
            for task in done:
                task.result()  # a bug in a delivery task surfaces here, not as a warning

    async def close(self) -> None:
        """Stop sending: cancel what is in flight, forget what is queued, close the client."""
        self._serving = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._queues.clear()
        self._held.clear()
        self._workers.clear()
        client, self._client = self._client, None
        if client is not None:
            await client.close()
