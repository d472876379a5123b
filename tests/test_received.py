"""--received is read in the spellings people write a moment in, the date part as a return's dates are (item 23)."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin_cli.intake.ingest import parse_received
from fupin_cli.model.problems import FupinError, message_for
from fupin_cli.model.workspace import load_workspace
from inbox import filled, generate, ingest, unit_id, unit_round

TZ = dt.timezone(dt.timedelta(hours=8))  # the demo's Asia/Shanghai in November


@pytest.fixture
def campaign(demo_workspace):
    return load_workspace(demo_workspace).campaign


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2020/11/6 18:30", (2020, 11, 6, 18, 30)),
        ("11月6日18:30", (2020, 11, 6, 18, 30)),
        ("11月6日 18:30", (2020, 11, 6, 18, 30)),
        ("2020-11-06T18:30", (2020, 11, 6, 18, 30)),
        ("2020-11-06 18:30", (2020, 11, 6, 18, 30)),
        ("2020年11月6日 18:30", (2020, 11, 6, 18, 30)),
        ("2020年11月6日18:30", (2020, 11, 6, 18, 30)),
        ("2020.11.6 18:30", (2020, 11, 6, 18, 30)),
        ("11/6 18:30", (2020, 11, 6, 18, 30)),
        ("11月6日 18：30", (2020, 11, 6, 18, 30)),  # a full-width colon
        ("11月6日18时30分", (2020, 11, 6, 18, 30)),
        ("11月6日下午6点半", (2020, 11, 6, 18, 30)),
        ("11月6日 下午6:30", (2020, 11, 6, 18, 30)),
        ("11月6日晚上8点", (2020, 11, 6, 20, 0)),
        ("2020-11-06T18:30:15", (2020, 11, 6, 18, 30, 15)),
        ("2020-11-06", (2020, 11, 6, 12, 0)),  # a bare date is noon that day
        ("2020/11/6", (2020, 11, 6, 12, 0)),
        ("11月6日", (2020, 11, 6, 12, 0)),
        ("20201106", (2020, 11, 6, 12, 0)),
    ],
)
def test_written_moments_are_campaign_time(campaign, text, moment):
    assert parse_received(text, campaign) == dt.datetime(*moment, tzinfo=TZ)


def test_iso_with_a_zone_or_a_fraction_keeps_it(campaign):
    assert parse_received("2020-11-06T10:30Z", campaign) == dt.datetime(2020, 11, 6, 18, 30, tzinfo=TZ)
    assert parse_received("2020-11-06T18:30:00+08:00", campaign) == dt.datetime(2020, 11, 6, 18, 30, tzinfo=TZ)
    # A time that is not read by the written forms is never dropped for noon.
    assert parse_received("2020-11-06 18:30:15.5", campaign) == dt.datetime(2020, 11, 6, 18, 30, 15, 500000,
                                                                           tzinfo=TZ)


@pytest.mark.parametrize("text", ["昨天", "2020-11-06T25:00", "11月32日 18:30", "18:30", "11月6日 18:75"])
def test_what_is_no_moment_is_refused_with_the_spellings_to_use(campaign, text):
    with pytest.raises(FupinError) as caught:
        parse_received(text, campaign)
    assert caught.value.code == "received-not-a-date"
    assert caught.value.message == (f"--received “{text}”不是日期时间；请写成 2020-11-06 18:30、2020/11/6 18:30 或 "
                                    "11月6日18:30（只写日期按当天 12:00 计）")
    assert caught.value.message == message_for("received-not-a-date", value=text)


@pytest.mark.parametrize(("received", "status"), [("11月6日23:30", "on_time"), ("2020/11/7 0:30", "late")])
def test_the_spelling_decides_the_round_as_an_iso_time_would(runner, demo_workspace, received, status):
    form = next(generate(runner, demo_workspace, "--role", "town", "--format", "xlsx").rglob("城关镇.xlsx"))
    path = filled(form, demo_workspace / "inbox" / "城关镇.xlsx", date=None)
    code, [entry] = ingest(runner, demo_workspace, path, received=received, args=["--round", "1"])
    assert (code, entry["status"]) == (0, "accepted"), entry["findings"]
    town = unit_id(demo_workspace, "town", "城关镇")
    round_one = unit_round(runner, demo_workspace, town, "2020-11-10", 1)
    assert round_one["status"] == status
    assert round_one["received_at"] == parse_received(received, load_workspace(demo_workspace).campaign).isoformat()
