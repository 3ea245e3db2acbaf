"""``realtimekit webhooks list|create|delete|listen``: manage registrations, watch deliveries.

``list``, ``create`` and ``delete`` are thin over the session's webhook calls. ``listen``
(like ``stripe listen``) lives in :mod:`._listen`, loaded only when it runs: it needs the
``webhooks`` extra (cryptography) and an aiohttp server.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, Final

from realtimekit_async import _json
from realtimekit_async._converter import to_json_data
from realtimekit_async._models import Webhook, WebhookEventName
from realtimekit_async._session import RealtimeKitSession

from ._config import session_handler
from ._shared import add_command, port, positive, print_json, split_values

if TYPE_CHECKING:
    from ._shared import Commands

__all__ = ["register"]

#: (column, width): fixed widths, so the table needs no second pass.
_TABLE: Final = (("id", 36), ("enabled", 7), ("name", 24), ("url", 0))
_EVENTS_HELP: Final = ", ".join(member.value for member in WebhookEventName)


def _table_line(cells: dict[str, str]) -> str:
    return "  ".join(cells[name].ljust(width) for name, width in _TABLE).rstrip() + "\n"


async def _list(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    webhooks = await rtk.list_webhooks()
    data: list[Any] = [to_json_data(webhook) for webhook in webhooks]
    if args.format == "json":
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif args.format == "jsonl":
        sys.stdout.writelines(_json.dumps(item).decode() + "\n" for item in data)
    else:
        sys.stdout.write(_table_line({name: name for name, _ in _TABLE}))
        for webhook in webhooks:
            sys.stdout.write(_table_line(_cells(webhook)))
    return 0


def _cells(webhook: Webhook) -> dict[str, str]:
    return {
        "id": webhook.id,
        "enabled": "yes" if webhook.enabled else "no",
        "name": webhook.name,
        "url": webhook.url,
    }


async def _create(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    events = split_values(args.event) or [member.value for member in WebhookEventName]
    webhook = await rtk.create_webhook(
        name=args.name, url=args.url, events=events, enabled=not args.disabled
    )
    return print_json(webhook, args.format)


async def _delete(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    await rtk.delete_webhook(args.webhook_id)
    print(f"deleted webhook {args.webhook_id}", file=sys.stderr)
    return 0


def _listen(args: argparse.Namespace) -> int:
    # Loaded only now: it needs cryptography (extra "webhooks") and serves with aiohttp.web.
    from ._listen import run_listen  # noqa: PLC0415

    return run_listen(args)


def register(commands: Commands, parent: argparse.ArgumentParser) -> None:
    """Add ``webhooks`` and its sub-commands."""
    webhooks = add_command(
        commands,
        parent,
        "webhooks",
        "manage webhook registrations and watch deliveries",
        """
        realtimekit webhooks list
        realtimekit --emulator webhooks listen
        """,
        handler=lambda args: 0,  # replaced by the sub-command's own
    )
    actions: Commands = webhooks.add_subparsers(
        dest="action", required=True, metavar="ACTION", title="actions"
    )
    add_command(
        actions,
        parent,
        "list",
        "list the webhooks registered for the app",
        "realtimekit webhooks list --format json",
        handler=session_handler(_list),
        formats=("table", "json", "jsonl"),
    )
    create = add_command(
        actions,
        parent,
        "create",
        "register a webhook",
        """
        realtimekit webhooks create --name archive --url https://example.com/rtk \\
            --event recording.statusUpdate
        """,
        handler=session_handler(_create),
        formats=("json", "jsonl"),
    )
    create.add_argument("--name", required=True, help="a name to tell it apart")
    create.add_argument("--url", required=True, help="where deliveries are POSTed (http or https)")
    create.add_argument(
        "--event",
        action="append",
        metavar="EVENT",
        help=f"event to subscribe to; repeat it or give a comma list of {_EVENTS_HELP} "
        "(default: all of them)",
    )
    create.add_argument(
        "--disabled", action="store_true", help="register it switched off (default: enabled)"
    )
    delete = add_command(
        actions,
        parent,
        "delete",
        "delete a webhook registration",
        "realtimekit webhooks delete WEBHOOK_ID",
        handler=session_handler(_delete),
    )
    delete.add_argument("webhook_id", metavar="WEBHOOK_ID", help="the webhook's id")
    listen = add_command(
        actions,
        parent,
        "listen",
        "receive deliveries on 127.0.0.1, verify them and print one line per event",
        """
        realtimekit --emulator webhooks listen        # registers itself, plays a recording
        realtimekit webhooks listen --port 8788 --forward http://localhost:8000/webhooks
        realtimekit webhooks listen --format jsonl --count 1 --public-key rtk.pem
        """,
        handler=_listen,
        formats=("text", "jsonl"),
    )
    listen.add_argument(
        "--port", type=port, default=0, help="port to listen on; 0 picks a free one"
    )
    listen.add_argument("--path", default="/webhooks", help="URL path deliveries are POSTed to")
    listen.add_argument(
        "--forward",
        metavar="URL",
        help="also POST each verified delivery, raw body and rtk-* headers unchanged, to URL; "
        "the sender gets URL's answer (default: answer 204 at once)",
    )
    listen.add_argument(
        "--public-key",
        metavar="FILE",
        help="RealtimeKit's webhook public key (PEM) (default: $REALTIMEKIT_WEBHOOK_PUBLIC_KEY, "
        "else fetched from --public-key-url; the emulator's own with --emulator)",
    )
    listen.add_argument(
        "--public-key-url",
        metavar="URL",
        help="where to fetch the key document when no key is given, e.g. a served emulator's "
        "http://127.0.0.1:PORT/.well-known/webhooks.json (default: RealtimeKit's well-known URL)",
    )
    listen.add_argument(
        "--count", type=positive, metavar="N", help="exit after N events (default: until Ctrl-C)"
    )
