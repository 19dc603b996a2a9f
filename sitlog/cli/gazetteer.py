"""The gazetteer commands: ``places list|add|set|merge|near|alias|import`` and ``actors list|add|set|alias``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from sitlog.cli.common import (
    ColorOpt,
    FormatOpt,
    JsonOpt,
    LimitOpt,
    NoPagerOpt,
    OperatorOpt,
    WidthOpt,
    app,
    make_app,
    session,
    show,
)
from sitlog.ops.gazetteer import coordinate_warnings
from sitlog.ops.session import operator_name

places_app = make_app("The gazetteer of places: list, add, set, merge, near, alias, import.")
actors_app = make_app("Armed groups, forces and populations: list, add, set, alias.")
app.add_typer(places_app, name="places")
app.add_typer(actors_app, name="actors")


# --- gazetteer -------------------------------------------------------------------------------------


@places_app.command("list")
def places_list(
    ctx: typer.Context,
    query: Annotated[Optional[str], typer.Argument(help="Part of a name (any spelling).")] = None,
    admin1: Annotated[Optional[str], typer.Option("--admin1", help="Only places in this governorate.")] = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """List known places."""
    from sitlog.render.events import places_report

    show(places_report(session(ctx).existing_store().places.search(query, admin1)), fmt, as_json)


@places_app.command("add")
def places_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Canonical name.")],
    alias: Annotated[Optional[list[str]], typer.Option("--alias", help="Another spelling (repeatable).")] = None,
    admin1: Annotated[Optional[str], typer.Option("--admin1", help="Governorate.")] = None,
    admin2: Annotated[Optional[str], typer.Option("--admin2", help="District.")] = None,
    admin3: Annotated[Optional[str], typer.Option("--admin3", help="Sub-district.")] = None,
    pcode: Annotated[Optional[str], typer.Option("--pcode", help="OCHA P-code.")] = None,
    lat: Annotated[Optional[float], typer.Option("--lat", help="Latitude (WGS84).")] = None,
    lon: Annotated[Optional[float], typer.Option("--lon", help="Longitude (WGS84).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a place to the gazetteer."""
    from sitlog.domain.model import check_coordinates
    from sitlog.render.output import dumps, message

    check_coordinates(lat, lon)
    sess = session(ctx)
    store = sess.store()
    with store.transaction():
        place = store.places.add(name, alias or [], admin1, admin2, admin3, pcode, lat, lon, "operator", now=sess.now)
    message(f"added place {place.label()} (id {place.id})")
    for warning in coordinate_warnings(place):
        message(warning)
    if as_json:
        sys.stdout.write(dumps(place.to_json()) + "\n")


@places_app.command("set")
def places_set(
    ctx: typer.Context,
    place: Annotated[str, typer.Argument(help="A known place (or 'NAME, ADMIN').")],
    name: Annotated[Optional[str], typer.Option("--name", help="Rename it (the old name stays an alias).")] = None,
    admin1: Annotated[Optional[str], typer.Option("--admin1", help="Governorate.")] = None,
    admin2: Annotated[Optional[str], typer.Option("--admin2", help="District.")] = None,
    admin3: Annotated[Optional[str], typer.Option("--admin3", help="Sub-district.")] = None,
    pcode: Annotated[Optional[str], typer.Option("--pcode", help="Its own P-code (OCHA community C####).")] = None,
    lat: Annotated[Optional[float], typer.Option("--lat", help="Latitude (WGS84).")] = None,
    lon: Annotated[Optional[float], typer.Option("--lon", help="Longitude (WGS84).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Give a place admin units, coordinates or a P-code, or rename it; only what is given changes."""
    from sitlog.ops.gazetteer import set_place
    from sitlog.render.output import dumps, message

    sess = session(ctx)
    changed = set_place(sess.store(), place, sess.now, operator_name(None), name=name, admin1=admin1, admin2=admin2,
                        admin3=admin3, pcode=pcode, lat=lat, lon=lon)  # fmt: skip
    message(f"updated place {changed.label()} (id {changed.id})")
    for warning in coordinate_warnings(changed):
        message(warning)
    if as_json:
        sys.stdout.write(dumps(changed.to_json()) + "\n")


@places_app.command("merge")
def places_merge(
    ctx: typer.Context,
    duplicate: Annotated[str, typer.Argument(help="The place entered twice (it is kept, marked merged).")],
    into: Annotated[str, typer.Argument(help="The place it is the same as.")],
    operator: OperatorOpt = None,
) -> None:
    """Merge a duplicate place into another: its events and names move (one change set; `undo` reverts)."""
    from sitlog.ops.gazetteer import merge_places
    from sitlog.render.output import message

    sess = session(ctx)
    result = merge_places(sess.store(), duplicate, into, operator_name(operator), sess.now)
    for warning in result.warnings:
        message(warning)
    moved = f"{result.moved} event{'s' if result.moved != 1 else ''} moved"
    message(f"merged {result.duplicate.label()} into {result.into.label()}: {moved} (change set {result.changeset})")


@places_app.command("near")
def places_near(
    ctx: typer.Context,
    place: Annotated[str, typer.Argument(help="A known place with coordinates.")],
    within: Annotated[float, typer.Option("--within", help="Distance in km.")] = 10.0,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """Places within a distance of a place, nearest first (great-circle km)."""
    from sitlog.errors import InvalidInput
    from sitlog.render.events import places_near_report

    if within < 0:
        raise InvalidInput("--within must be a distance in km, 0 or more")
    store = session(ctx).existing_store()
    centre = store.places.resolve(place).item
    rows = store.places.near(centre, within)
    show(places_near_report(rows[:limit] if limit is not None else rows), fmt, as_json)


@places_app.command("alias")
def places_alias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A known place.")],
    alias: Annotated[str, typer.Argument(help="The other spelling.")],
) -> None:
    """Add another spelling of a place."""
    from sitlog.render.output import message

    store = session(ctx).store()
    with store.transaction():
        place = store.places.add_alias(store.places.resolve(name).item, alias)
    message(f"{alias} now names {place.label()}")


@places_app.command("import")
def places_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV (name, aliases, admin1…, lat, lon) or JSONL of places.")],
) -> None:
    """Add many places at once (all or nothing)."""
    from sitlog.cli.inputs import read_small_file
    from sitlog.ops.gazetteer import import_places
    from sitlog.render.output import message

    sess = session(ctx)
    text = read_small_file(str(file))  # bounded, and never a device
    added = import_places(sess.store(), file, sess.now, text)
    message(f"added {added} places from {file}")


@actors_app.command("list")
def actors_list(
    ctx: typer.Context,
    query: Annotated[Optional[str], typer.Argument(help="Part of a name.")] = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """List known actors."""
    from sitlog.render.events import actors_report

    show(actors_report(session(ctx).existing_store().actors.search(query)), fmt, as_json)


@actors_app.command("add")
def actors_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Canonical name.")],
    alias: Annotated[Optional[list[str]], typer.Option("--alias", help="Another name (repeatable).")] = None,
    actor_type: Annotated[
        str, typer.Option("--type", help="state, rebel, militia, external, civilians, other.")
    ] = "other",
    parent: Annotated[Optional[str], typer.Option("--parent", help="The actor this one belongs to.")] = None,
    side: Annotated[Optional[str], typer.Option("--side", help="Side or coalition.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an actor."""
    from sitlog.domain.model import ActorType, parse_enum
    from sitlog.render.output import dumps, message

    kind = parse_enum(ActorType, actor_type, "--type")
    sess = session(ctx)
    store = sess.store()
    with store.transaction():
        parent_actor = store.actors.resolve(parent).item if parent else None
        actor = store.actors.add(name, alias or [], kind, parent_actor, side, now=sess.now)
    message(f"added actor {actor.name} ({actor.type.value})")
    if as_json:
        sys.stdout.write(dumps(actor.to_json()) + "\n")


@actors_app.command("set")
def actors_set(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A known actor.")],
    actor_type: Annotated[
        Optional[str], typer.Option("--type", help="state, rebel, militia, external, civilians, other.")
    ] = None,
    parent: Annotated[Optional[str], typer.Option("--parent", help="The actor this one belongs to.")] = None,
    no_parent: Annotated[bool, typer.Option("--no-parent", help="It belongs to no other actor.")] = False,
    side: Annotated[Optional[str], typer.Option("--side", help="Side or coalition.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an actor's type, parent or side."""
    from sitlog.ops.gazetteer import set_actor
    from sitlog.render.output import dumps, message

    actor = set_actor(session(ctx).store(), name, type=actor_type, parent=parent, no_parent=no_parent, side=side)
    message(f"updated actor {actor.name} ({actor.type.value}{', under ' + actor.parent if actor.parent else ''})")
    if as_json:
        sys.stdout.write(dumps(actor.to_json()) + "\n")


@actors_app.command("alias")
def actors_alias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A known actor.")],
    alias: Annotated[str, typer.Argument(help="The other name.")],
) -> None:
    """Add another name of an actor."""
    from sitlog.render.output import message

    store = session(ctx).store()
    with store.transaction():
        actor = store.actors.add_alias(store.actors.resolve(name).item, alias)
    message(f"{alias} now names {actor.name}")
