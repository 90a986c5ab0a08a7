"""The plugins installed as entry points: found once each, in a load order that does not
depend on sys.path, and the entry points of groups named like ours that are never loaded."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import Distribution, EntryPoint, PackageMetadata, distributions

from azsql_mcp.version import DISTRIBUTION, PLUGIN_GROUP

# The built-in plugins' load order: as declared in pyproject.toml, which installers do
# not keep (setuptools writes entry_points.txt sorted).
BUILTIN_ORDER = (
    "builtin_tools",
    "builtin_resources",
    "builtin_prompts",
    "builtin_auth",
    "builtin_declared",
)


def unique_entry_points(eps: Iterable[EntryPoint]) -> list[EntryPoint]:
    # The same distribution can be visible twice on sys.path (editable + installed).
    seen: set[tuple[str, str]] = set()
    out = []
    for ep in eps:
        key = (ep.name, ep.value)
        if key not in seen:
            seen.add(key)
            out.append(ep)
    return out


def load_order(eps: Sequence[EntryPoint]) -> list[tuple[EntryPoint, PackageMetadata | None]]:
    """The built-in plugins (distribution azsql-mcp) first, in their declared order, then
    the others by (distribution name, entry-point name).

    `entry_points()` follows sys.path and directory listing order, which can put a
    third-party plugin first; as a later plugin that takes a name already registered is
    the one that fails, a collision with a built-in must fail the newcomer, every time.
    """

    def key(entry: tuple[EntryPoint, PackageMetadata | None]) -> tuple[int, int, str, str]:
        ep, metadata = entry
        dist = normalize(distribution_name(metadata))
        if dist == DISTRIBUTION:
            if ep.name in BUILTIN_ORDER:
                return (0, BUILTIN_ORDER.index(ep.name), "", "")
            return (0, len(BUILTIN_ORDER), "", ep.name)
        return (1, 0, dist, ep.name)

    # METADATA is parsed once per distribution (each read of dist.metadata or dist.name
    # parses it again): the built-in plugins are five entry points of one distribution
    parsed: dict[Distribution | None, PackageMetadata | None] = {}
    for ep in eps:
        if ep.dist not in parsed:
            parsed[ep.dist] = ep.dist.metadata if ep.dist is not None else None
    return sorted(((ep, parsed[ep.dist]) for ep in eps), key=key)


def distribution_name(metadata: PackageMetadata | None) -> str:
    name = metadata["Name"] if metadata is not None else None
    return name or "(unknown distribution)"


def other_group(name: str) -> str:
    """Where the name is when it is not a plugin: azsql-mcp loads only entry points of the
    group `azsql_mcp`, and one declared in another group is ignored without a word."""
    for ep, dist_name in _elsewhere():
        if normalize(name) in (normalize(ep.name), normalize(dist_name)):
            return f"{name!r} is an entry point of group {ep.group!r} ({dist_name}), but {_MOVE}"
    return f"{_SCANNED}: a plugin declares its entry point under {_DECLARATION}"


_SCANNED = f"azsql-mcp loads the entry points of group {PLUGIN_GROUP!r}"
_DECLARATION = f"[project.entry-points.{PLUGIN_GROUP}] in pyproject.toml"
_MOVE = f"{_SCANNED}: declare it under {_DECLARATION} and reinstall it"


def ignored_entry_points() -> list[str]:
    """What `azsql-mcp plugins` says of installed entry points in a group named like ours
    (`azsql-mcp`, `azsql_mcp.plugins`): never loaded, and silent otherwise."""
    return [
        f"entry point {ep.name!r} of group {ep.group!r} ({dist_name}) is not loaded: {_MOVE}"
        for ep, dist_name in _elsewhere()
    ]


def _elsewhere() -> Iterator[tuple[EntryPoint, str]]:
    """Entry points of installed distributions in groups other than ours that name azsql."""
    for dist in distributions():
        for ep in dist.entry_points:
            if ep.group != PLUGIN_GROUP and "azsql" in ep.group.lower():
                yield ep, distribution_name(dist.metadata)


def normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def normalized(names: Iterable[str]) -> set[str]:
    # Entry-point and distribution names match like pip matches distributions.
    return {normalize(name) for name in names}
