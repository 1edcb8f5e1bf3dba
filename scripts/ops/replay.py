"""make replay: the bus archive's events of a time window, delivered again to the bus's rules (or one rule)
by EventBridge's StartReplay (EventBridge User Guide, "Replaying archived events"), followed until it ends.

A replayed event carries `replay-name`, so a consumer can tell it from the first delivery; each replay is a new
delivery of every event in its window (that is what it is for: a consumer fixed, a rule added). EventBridge
replays by the time in the event, a minute of the window at a time; DescribeReplay's EventLastReplayedTime
says how far it got, which the progress shows.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

ENDED = ("COMPLETED", "FAILED", "CANCELLED")
DRY_RUN = "NOT STARTED (dry run)"
POLL_SECONDS = 2.0
REPLAY_NAME = re.compile(r"[^.\-_A-Za-z0-9]")  # StartReplay's ReplayName pattern, at most 64 characters


class NotReplayed(Exception):
    """Why the replay cannot start, in one line."""


@dataclass
class Replayed:
    name: str
    state: str
    reason: str
    window: str
    rule: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


def moment(text: str, now: datetime.datetime) -> datetime.datetime:
    """ISO 8601 (a zone, or UTC when none), or `now`."""
    if text == "now":
        return now
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise NotReplayed(f"{text!r} is not a time: use ISO 8601 (2026-12-06T09:30Z) or now") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def rule_arn(events: Any, bus_arn: str, rule: str) -> str:
    bus = bus_arn.rsplit("/", 1)[-1]
    rules = [r for page in events.get_paginator("list_rules").paginate(EventBusName=bus) for r in page["Rules"]]
    mine = [r for r in rules if not r["Name"].startswith("Events-Archive-")]  # the archive's own rule
    for found in mine:
        if found["Name"] in (rule, f"{bus}-{rule}"):  # a rule's name, or its key in event_bus's rules
            return str(found["Arn"])
    raise NotReplayed(f"no rule {rule!r} on {bus}: RULE=<{'|'.join(sorted(r['Name'] for r in mine))}>")


def replay(
    outputs: dict[str, Any],
    client: Callable[[str], Any],
    start_text: str,
    end_text: str,
    rule: str = "",
    follow: Callable[[str, Callable[[], dict[str, Any]]], dict[str, Any]] | None = None,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
) -> Replayed:
    now = now or datetime.datetime.now(datetime.UTC)
    archive, bus = outputs.get("event_archive_arn"), outputs.get("event_bus_arn")
    if not archive or not bus:
        raise NotReplayed("this environment keeps no archive (settings.events.archive_retention_days is 0)")
    start, end = moment(start_text, now), moment(end_text, now)
    if not start < end:
        raise NotReplayed(f"FROM ({start.isoformat()}) must be before TO ({end.isoformat()})")
    events = client("events")
    destination: dict[str, Any] = {"Arn": bus}
    if rule:
        destination["FilterArns"] = [rule_arn(events, bus, rule)]
    name = REPLAY_NAME.sub("-", f"{rule or 'all'}-{start:%Y%m%dT%H%M}-{now:%Y%m%dT%H%M%S}")[:64]
    window = f"{start.isoformat()} .. {end.isoformat()}"
    if dry_run:
        return Replayed(name, DRY_RUN, f"from {archive}", window, rule or "all")
    events.start_replay(
        ReplayName=name, EventSourceArn=archive, EventStartTime=start, EventEndTime=end, Destination=destination
    )
    describe = lambda: dict(events.describe_replay(ReplayName=name))  # noqa: E731
    described = (follow or wait)(name, describe)
    return Replayed(name, str(described["State"]), str(described.get("StateReason") or ""), window, rule or "all")


def wait(_: str, describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    while (described := describe())["State"] not in ENDED:
        time.sleep(POLL_SECONDS)
    return described


def progress(name: str, describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Follows the replay with a bar on stderr: how far into its window it has replayed."""
    with Progress(TextColumn("{task.description}"), BarColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"replay {name}", total=1.0)
        while (described := describe())["State"] not in ENDED:
            first, last = described.get("EventStartTime"), described.get("EventEndTime")
            reached = described.get("EventLastReplayedTime")
            if first and last and reached and last > first:
                bar.update(task, completed=(reached - first) / (last - first))
            time.sleep(POLL_SECONDS)
    return described


def render(replayed: Replayed) -> str:
    outcome = f"Replay {replayed.name} of {replayed.window} to {replayed.rule}: {replayed.state}"
    return outcome + (f" ({replayed.reason})" if replayed.reason else "")
