"""The one private cattrs converter: JSON values to models and request options to JSON.

Built once by :func:`make_converter`. Its choices, all deliberate:

* strict scalars: a string where an ``int`` belongs is an error, not ``int("12")``; integral
  floats (``48213377.0``) are accepted as ``int`` because the schema says ``number``;
* timestamps become aware UTC ``datetime`` objects (a naive one is taken as UTC);
* open enums: a ``SomeEnum | str`` field holds the member when the value is known and the
  plain string otherwise, so new server values never raise;
* the track recording's array-shaped ``download_url`` becomes :class:`TrackLayerDownload` tuples;
* request options unstructure without their unset (``None``) fields.

A plain :class:`cattrs.Converter` is used: a *preconf* converter ignores a custom hook for an
``Enum | str`` union.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar, cast

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._models import (
    AudioConfig,
    Caller,
    InteractiveConfig,
    LivestreamingConfig,
    Meeting,
    Paging,
    RealtimeKitBucketConfig,
    Recording,
    RecordingConfig,
    StartReason,
    StopReason,
    StorageConfig,
    TrackFile,
    TrackLayer,
    TrackLayerDownload,
    VideoConfig,
    Watermark,
    WatermarkSize,
)

T = TypeVar("T")

# Leaves first: a generated hook looks up the hooks of its fields when it is generated.
_REQUEST_OPTIONS: tuple[type, ...] = (
    WatermarkSize,
    Watermark,
    AudioConfig,
    VideoConfig,
    StorageConfig,
    RealtimeKitBucketConfig,
    LivestreamingConfig,
    InteractiveConfig,
    TrackLayer,
    RecordingConfig,
)
_RESPONSE_MODELS: tuple[type, ...] = (
    *_REQUEST_OPTIONS,
    StartReason,
    StopReason,
    Meeting,
    Paging,
    Recording,
)
_TRACK_DOWNLOADS = tuple[TrackLayerDownload, ...]
_DOWNLOAD_URL = str | _TRACK_DOWNLOADS


def _expect(value: Any, kind: type[T] | tuple[type, ...], what: str) -> T:
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        msg = f"expected {what}, got {type(value).__name__}"
        raise TypeError(msg)
    return value  # type: ignore[return-value]


def _object(value: Any, what: str) -> dict[str, Any]:
    return cast("dict[str, Any]", _expect(value, dict, what))


def _structure_str(value: Any, _: type) -> str:
    return _expect(value, str, "a string")


def _structure_bool(value: Any, _: type) -> bool:
    return _expect(value, bool, "a boolean")


def _structure_int(value: Any, _: type) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    msg = f"expected an integer, got {value!r}"
    raise TypeError(msg)


def parse_datetime(value: Any, _: type = dt.datetime) -> dt.datetime:
    """Parse an ISO 8601 timestamp into an aware UTC ``datetime``."""
    parsed = dt.datetime.fromisoformat(_expect(value, str, "an ISO 8601 timestamp"))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_datetime(value: dt.datetime) -> str:
    """Format a ``datetime`` as the API writes it: UTC with milliseconds and ``Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _open_enum_of(tp: Any) -> type[enum.StrEnum] | None:
    """The enum of an ``SomeEnum | str`` (or ``SomeEnum | str | None``) union, else ``None``."""
    if typing.get_origin(tp) not in (types.UnionType, typing.Union):
        return None
    args = set(typing.get_args(tp)) - {type(None)}
    if str not in args or len(args) != 2:
        return None
    (candidate,) = args - {str}
    if isinstance(candidate, type) and issubclass(candidate, enum.StrEnum):
        return candidate
    return None


def _open_enum_hook(tp: Any) -> Callable[[Any, Any], Any]:
    members = _open_enum_of(tp)._value2member_map_  # type: ignore[union-attr]
    nullable = type(None) in typing.get_args(tp)

    def structure(value: Any, _: Any) -> Any:
        if value is None and nullable:
            return None
        # A value added by the server later is kept as the plain string it was.
        return members.get(_expect(value, str, "a string"), value)

    return structure


def _structure_download_url(value: Any, _: Any) -> str | tuple[TrackLayerDownload, ...] | None:
    if value is None or isinstance(value, str):
        return value
    layers: list[Any] = _expect(value, list, "a URL or a list of track layers")  # pyright: ignore[reportUnknownVariableType]
    return tuple(_structure_track_layer(layer) for layer in layers)


def _structure_track_layer(value: Any) -> TrackLayerDownload:
    layer = _object(value, "a track layer object")
    files = _object(layer.get("download_urls", {}), "a map of files")
    return TrackLayerDownload(
        layer_name=_structure_str(layer.get("layer_name", ""), str),
        download_urls=tuple(
            TrackFile(
                file_name=_structure_str(name, str),
                download_url=_structure_str(_object(entry, "a file object")["download_url"], str),
            )
            for name, entry in files.items()
        ),
    )


def _unstructure_download_url(value: str | tuple[TrackLayerDownload, ...] | None) -> Any:
    if value is None or isinstance(value, str):
        return value
    return [
        {
            "layer_name": layer.layer_name,
            "download_urls": {
                f.file_name: {"download_url": f.download_url} for f in layer.download_urls
            },
        }
        for layer in value
    ]


def make_converter() -> cattrs.Converter:
    """Build the converter. Call once; hooks are generated here, not per response."""
    converter = cattrs.Converter(detailed_validation=True)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(dt.datetime, parse_datetime)
    converter.register_unstructure_hook(dt.datetime, format_datetime)
    converter.register_structure_hook_factory(
        lambda tp: _open_enum_of(tp) is not None, _open_enum_hook
    )
    converter.register_structure_hook_func(
        lambda tp: tp in (_DOWNLOAD_URL, _DOWNLOAD_URL | None), _structure_download_url
    )
    converter.register_unstructure_hook_func(
        lambda tp: tp in (_DOWNLOAD_URL, _DOWNLOAD_URL | None), _unstructure_download_url
    )

    converter.register_structure_hook(
        Caller, make_dict_structure_fn(Caller, converter, user_id=override(rename="user_Id"))
    )
    converter.register_unstructure_hook(
        Caller, make_dict_unstructure_fn(Caller, converter, user_id=override(rename="user_Id"))
    )
    for cls in _RESPONSE_MODELS:
        converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter))  # pyright: ignore[reportUnknownArgumentType]
    # Responses keep their nulls (an export shows what the server said); request options drop
    # unset fields so the server applies its own defaults.
    for cls in (StartReason, StopReason, Meeting, Paging, Recording):
        converter.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, converter))
    for cls in _REQUEST_OPTIONS:
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)
        )
    return converter


def _describe(exc: BaseException, tp: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc) or cattrs.v.format_exception(exc, tp)


def field_path_of(exc: BaseException) -> tuple[str, str]:
    """The JSON path and description of the first problem in a structuring error."""
    first = cattrs.transform_error(exc, path="$", format_exception=_describe)[0]
    description, _, path = first.rpartition(" @ ")
    return path, description
