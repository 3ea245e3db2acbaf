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

:func:`converter` builds and caches the one instance (its twin :func:`detailed_converter` only
when a bad answer needs explaining); :func:`to_json_data` is what exports use. The rest of the
package imports this module lazily, so ``import realtimekit_async`` does not load cattrs.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Callable, Hashable
from typing import Any, Final, TypeVar, cast

import attrs
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
    Webhook,
    WebhookEventName,
)
from ._timestamps import format_datetime, parse_datetime

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
    Webhook,
)
_EVENT_NAMES = tuple[WebhookEventName | str, ...]
_TRACK_DOWNLOADS = tuple[TrackLayerDownload, ...]
_DOWNLOAD_URL = str | _TRACK_DOWNLOADS


def _expect(value: Any, kind: type[T] | tuple[type, ...], what: str) -> T:
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        msg = f"expected {what}, got {type(value).__name__}"
        raise TypeError(msg)
    return value  # type: ignore[return-value]


def _object(value: Any, what: str) -> dict[str, Any]:
    return cast("dict[str, Any]", _expect(value, dict, what))


# The scalar hooks below run for every field of every record: exact type checks, no dispatch.


def _wrong(value: Any, what: str) -> TypeError:
    return TypeError(f"expected {what}, got {type(value).__name__}")


def _structure_str(value: Any, _: type) -> str:
    if type(value) is str:
        return value
    raise _wrong(value, "a string")


def _structure_optional_str(value: Any, _: type) -> str | None:
    if value is None or type(value) is str:
        return value
    raise _wrong(value, "a string or null")


def _structure_bool(value: Any, _: type) -> bool:
    if type(value) is bool:
        return value
    raise _wrong(value, "a boolean")


#: Counts, sizes, offsets and durations fit in 64 bits; a larger number is a broken answer, and
#: letting it through would only move the OverflowError into the arithmetic that uses it.
MAX_INT: Final = 2**63 - 1


def _structure_int(value: Any, _: type) -> int:
    if type(value) is int and -MAX_INT <= value <= MAX_INT:
        return value
    if type(value) is float and value.is_integer() and -MAX_INT <= value <= MAX_INT:
        return int(value)
    # Neither repr: a 5,000-digit int trips the int-to-str digit limit (ValueError), and a deeply
    # nested list recurses.
    if type(value) is int:
        shown = f"an integer of {value.bit_length()} bits"
    elif type(value) is float:
        shown = repr(value)
    else:
        shown = type(value).__name__
    msg = f"expected an integer of at most 64 bits, got {shown}"
    raise TypeError(msg)


def _is(expected: Any) -> Callable[[Any], bool]:
    return lambda tp: tp == expected


def _or_none(hook: Callable[[Any, Any], T]) -> Callable[[Any, Any], T | None]:
    def structure(value: Any, tp: Any) -> T | None:
        return None if value is None else hook(value, tp)

    return structure


#: How many distinct objects of one kind a converter keeps for sharing between list items.
SHARED_CACHE_SIZE = 1024


def _meeting_key(value: Any) -> Hashable:
    # A meeting's updated_at moves whenever the meeting changes.
    return (value["id"], value["updated_at"], len(value))


def _flat_key(value: Any) -> Hashable:
    # Storage configurations hold only scalars; a nested value makes the key unhashable.
    return tuple(value.items())


def _shared(
    structure: Callable[[Any, Any], T], key_of: Callable[[Any], Hashable]
) -> Callable[[Any, Any], T | None]:
    """Structure equal objects once and share the frozen result.

    A listing repeats the same meeting (and the same few storage configurations) in every
    recording that has it; sharing saves both the structuring time and the memory of
    thousands of equal copies.
    """
    cache: dict[Hashable, T] = {}

    def structure_shared(value: Any, tp: Any) -> T | None:
        if value is None:  # registered for ``X | None`` too: one call per field, not two
            return None
        try:
            key = key_of(value)
            shared = cache.get(key)
        except (KeyError, TypeError, AttributeError):  # malformed: structuring says what
            return structure(value, tp)
        if shared is None:
            shared = structure(value, tp)
            if len(cache) >= SHARED_CACHE_SIZE:
                cache.clear()
            cache[key] = shared
        return shared

    return structure_shared


_SHARED_KEYS: dict[type, Callable[[Any], Hashable]] = {
    Meeting: _meeting_key,
    StorageConfig: _flat_key,
}


def _structure_optional_datetime(value: Any, _: type) -> dt.datetime | None:
    # Three optional timestamps per recording: worth skipping one call level for each.
    return None if value is None else parse_datetime(value)


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
        if type(value) is str:
            # A value added by the server later is kept as the plain string it was.
            return members.get(value, value)
        if value is None and nullable:
            return None
        raise _wrong(value, "a string")

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


def _event_names_hook() -> Callable[[Any, Any], tuple[WebhookEventName | str, ...]]:
    name = _open_enum_hook(WebhookEventName | str)

    def structure(value: Any, _: Any) -> tuple[WebhookEventName | str, ...]:
        # Only a JSON array: cattrs would take a bare string as a tuple of its letters.
        names: list[Any] = _expect(value, list, "a list of event names")  # pyright: ignore[reportUnknownVariableType]
        return tuple(name(item, None) for item in names)

    return structure


def _structure_optional_int(value: Any, _: type) -> int | None:
    return None if value is None else _structure_int(value, _)


_OPTIONAL_SCALARS: dict[type, Callable[[Any, Any], Any]] = {
    str: _structure_optional_str,
    int: _structure_optional_int,
    dt.datetime: _structure_optional_datetime,
}
#: The scalar hooks' accepting paths written out inline in a model's hook (``v`` is the field's
#: value): a call per field saved, for the ~15 fields of every record. Anything the fast path
#: does not accept goes to the hook itself, which converts it or raises as it always did.
_INLINE: dict[Callable[[Any, Any], Any], str] = {
    _structure_str: "(v if type(v := {value}) is str else {hook}(v, {tp}))",
    _structure_optional_str: "(v if (v := {value}) is None or type(v) is str else {hook}(v, {tp}))",
    _structure_bool: "(v if type(v := {value}) is bool else {hook}(v, {tp}))",
    _structure_int: "(v if type(v := {value}) is int and -__M <= v <= __M else {hook}(v, {tp}))",
    _structure_optional_int: (
        "(v if (v := {value}) is None or (type(v) is int and -__M <= v <= __M)"
        " else {hook}(v, {tp}))"
    ),
    _structure_optional_datetime: "(None if (v := {value}) is None else __parse(v))",
}


def _fast_structure_fn(cls: type, converter: cattrs.Converter) -> Callable[[Any, Any], Any] | None:
    """A structure hook for *cls* that passes every field positionally, or ``None`` if unfit.

    cattrs' generated hook collects the fields that have defaults into a dict and calls
    ``cls(..., **res)``: one dict and one keyword expansion per record. For models whose
    optional fields all default to a constant (all of ours do), a conditional expression per
    field does the same checks (each field through the same hook; a missing required key is a
    ``KeyError``) without either. Only for the fast converter: the detailed twin keeps cattrs'.
    """
    fields = attrs.fields(cls)
    if any(
        not f.init or f.kw_only or f.alias != f.name or isinstance(f.default, attrs.Factory)  # type: ignore[arg-type,unused-ignore]
        for f in fields
    ):
        return None
    names: dict[str, Any] = {"__cl": cls, "__M": MAX_INT, "__parse": parse_datetime}
    args: list[str] = []
    for i, f in enumerate(fields):
        hook = names[f"__h{i}"] = converter.get_structure_hook(f.type)
        names[f"__t{i}"] = f.type
        template = _INLINE.get(hook, "{hook}({value}, {tp})")
        value = template.format(value=f"o[{f.name!r}]", hook=f"__h{i}", tp=f"__t{i}")
        if f.default is not attrs.NOTHING:
            names[f"__d{i}"] = f.default
            value = f"({value} if {f.name!r} in o else __d{i})"
        args.append(value)
    source = f"def structure_{cls.__name__}(o, _=None):\n    return __cl({', '.join(args)})\n"
    exec(compile(source, f"<fast structure {cls.__qualname__}>", "exec"), names)  # noqa: S102
    return cast("Callable[[Any, Any], Any]", names[f"structure_{cls.__name__}"])


def _tuple_of(cls: type, converter: cattrs.Converter) -> Callable[[Any, Any], tuple[Any, ...]]:
    """``tuple[cls, ...]`` from any iterable, as cattrs does, minus a dispatch per item.

    A listing page is one of these: the item hook is looked up once, not per record.
    """
    item = converter.get_structure_hook(cls)

    def structure(value: Any, _: Any) -> tuple[Any, ...]:
        return tuple([item(element, cls) for element in value])

    return structure


def make_converter(*, detailed: bool = False) -> cattrs.Converter:
    """Build the converter. Call once; hooks are generated here, not per response.

    Args:
        detailed: collect the JSON path of every problem (slower); the protocol uses a
            detailed twin only to explain a response that the fast converter rejected.
    """
    converter = cattrs.Converter(detailed_validation=detailed)
    scalars: tuple[tuple[type, Callable[[Any, Any], Any]], ...] = (
        (str, _structure_str),
        (bool, _structure_bool),
        (int, _structure_int),
        (dt.datetime, parse_datetime),
    )
    for scalar, hook in scalars:
        converter.register_structure_hook(scalar, hook)
        # A direct hook for ``X | None`` skips cattrs' generic Optional dispatch per field.
        optional = _OPTIONAL_SCALARS.get(scalar) or _or_none(hook)
        converter.register_structure_hook_func(_is(scalar | None), optional)
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

    converter.register_structure_hook_func(lambda tp: tp == _EVENT_NAMES, _event_names_hook())
    converter.register_structure_hook(
        Caller, make_dict_structure_fn(Caller, converter, user_id=override(rename="user_Id"))
    )
    converter.register_unstructure_hook(
        Caller, make_dict_unstructure_fn(Caller, converter, user_id=override(rename="user_Id"))
    )
    for cls in _RESPONSE_MODELS:
        fast = None if detailed else _fast_structure_fn(cls, converter)
        hook = fast or make_dict_structure_fn(cls, converter)  # pyright: ignore[reportUnknownVariableType]
        optional = _or_none(hook)  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
        if cls in _SHARED_KEYS:
            hook = optional = _shared(hook, _SHARED_KEYS[cls])  # pyright: ignore[reportUnknownArgumentType]
        converter.register_structure_hook(cls, hook)  # pyright: ignore[reportUnknownArgumentType]
        converter.register_structure_hook_func(_is(cls | None), optional)  # pyright: ignore[reportUnknownArgumentType]
    if not detailed:
        recordings = _tuple_of(Recording, converter)
        converter.register_structure_hook_func(_is(tuple[Recording, ...]), recordings)
    # Responses keep their nulls (an export shows what the server said); request options drop
    # unset fields so the server applies its own defaults.
    for cls in (StartReason, StopReason, Meeting, Paging, Recording, Webhook):
        converter.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, converter))
    for cls in _REQUEST_OPTIONS:
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)
        )
    return converter


@functools.cache
def converter() -> cattrs.Converter:
    """The converter of the whole package, built once (on first use: hooks take ~20 ms)."""
    return make_converter()


@functools.cache
def detailed_converter() -> cattrs.Converter:
    """A twin that records where a body went wrong, built only to explain a bad answer."""
    return make_converter(detailed=True)


def to_json_data(value: object) -> Any:
    """*value* (a model, or a list of models) as JSON-ready data: what exports write.

    The API's own field names, timestamps as ISO 8601 UTC strings, enums as their values and
    unknown enum values as the strings the server sent.
    """
    return converter().unstructure(value)


def _describe(exc: BaseException, tp: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc) or cattrs.v.format_exception(exc, tp)


def field_path_of(exc: BaseException) -> tuple[str, str]:
    """The JSON path and description of the first problem in a structuring error."""
    first = cattrs.transform_error(exc, path="$", format_exception=_describe)[0]
    description, _, path = first.rpartition(" @ ")
    return path, description
