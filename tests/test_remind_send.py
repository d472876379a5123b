"""Reminders that reach people: group messages, the WeCom/DingTalk robots on a local server, the reminder log."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fupin_cli.cli import app
from fupin_cli.count.groups import MAX_BYTES, group_reminders, utf8_len
from fupin_cli.count.load import load_district
from fupin_cli.count.reminders import compute_reminders
from fupin_cli.model.channels import Channel
from fupin_cli.model.workspace import open_workspace
from fupin_cli.reach.robots import dingtalk_sign, masked, payload
from fupin_cli.reach.sender import Outgoing, RateLimit, Target, send_all, send_one
from fupin_cli.store.remind_log import read_attempts

AS_OF = "2020-11-10"
CHANNELS = """
channels:
  城关镇工作群:
    kind: wecom
    webhook_env: FUPIN_TEST_WECOM
    towns: [城关镇]
  区扶贫办钉钉群:
    kind: dingtalk
    webhook_env: FUPIN_TEST_DINGTALK
    secret_env: FUPIN_TEST_DINGTALK_SECRET
    keyword: 催报
    towns: all
"""


class Robot(BaseHTTPRequestHandler):
    """A group robot on 127.0.0.1: records each request and answers from a script per path."""

    def do_POST(self) -> None:  # noqa: N802 — the standard library's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server = self.server
        server.requests.append((self.path, body))  # type: ignore[attr-defined]
        path = self.path.split("?")[0]
        script = server.scripts.get(path, [])  # type: ignore[attr-defined]
        status, answer = script.pop(0) if len(script) > 1 else (script[0] if script else (200, {"errcode": 0}))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def robot():
    """A local robot server; `scripts` maps a path to the answers it gives in turn (the last one repeats)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    server.requests = []  # type: ignore[attr-defined]
    server.scripts = {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def district(demo_with_returns: Path) -> Path:
    """The demo district with its sample returns and two group robots configured."""
    config = demo_with_returns / "fupin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + CHANNELS, encoding="utf-8")
    return demo_with_returns


def _reminders(root: Path, town: str | None = "城关镇"):
    workspace = open_workspace(root, None, root)
    data, status = load_district(workspace, AS_OF, town)
    return data, compute_reminders(status, data.campaign)


def test_one_message_per_village_names_everyone_once(district: Path) -> None:
    _data, reminders = _reminders(district)
    messages = group_reminders(reminders, "village", "云溪区扶贫办", "11月10日")
    chased = [(r.unit.unit_id, r.round.number) for m in messages for r in m.reminders]
    assert sorted(chased) == sorted((r.unit.unit_id, r.round.number) for r in reminders)
    for m in messages:
        text = "\n".join(m.parts)
        assert all(r.unit.name in text for r in m.reminders)
        assert all(utf8_len(p) <= MAX_BYTES for p in m.parts)


def test_a_long_message_is_split_between_names(district: Path) -> None:
    _data, reminders = _reminders(district, None)
    many = reminders * 12  # a whole district chased at once
    messages = group_reminders(many, "town", "云溪区扶贫办", "11月10日", limit=600)
    split = [m for m in messages if len(m.parts) > 1]
    assert split
    for m in split:
        total = len(m.parts)
        assert [p.splitlines()[0].endswith(f"（{i}/{total}）") for i, p in enumerate(m.parts, 1)] == [True] * total
        assert all(utf8_len(p) <= 600 for p in m.parts)
        names = {f"{r.unit.name}（{r.unit.village}）" if r.unit.village else r.unit.name for r in m.reminders}
        listed = [n for p in m.parts for line in p.splitlines()[1:-1] for n in line.split("：", 1)[1].split("、")]
        listed = [n.removeprefix("（续）") for n in listed]
        assert set(listed) == names  # every name whole, none cut at a part boundary


def test_payloads_and_the_dingtalk_signature() -> None:
    assert payload("wecom", "hi", ("13800000000",)) == {
        "msgtype": "text", "text": {"content": "hi", "mentioned_mobile_list": ["13800000000"]}}
    assert payload("dingtalk", "hi", ()) == {
        "msgtype": "text", "text": {"content": "hi"}, "at": {"atMobiles": [], "isAtAll": False}}
    secret, ts = "SEC123", 1604970000000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    assert urllib.parse.unquote_plus(dingtalk_sign(secret, ts)) == expected.decode()
    assert masked("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123") == \
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    assert masked("https://oapi.dingtalk.com/robot/send?access_token=t0k&timestamp=1&sign=s%2B") == \
        "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1&sign=***"


class FakeClock:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def _outgoing(district: Path, url: str, kind: str = "wecom", secret: str = "") -> list[Outgoing]:
    _data, reminders = _reminders(district, None)
    messages = group_reminders(reminders * 4, "village", "云溪区扶贫办", "11月10日", limit=300)
    target = Target(Channel("群", kind, "X"), url, secret)
    return [Outgoing(target, m, i) for m in messages for i in range(1, len(m.parts) + 1)]


def _http_post():
    from fupin_cli.reach.sender import httpx_post

    return httpx_post(timeout=5)


def test_rate_limit_spaces_posts_to_20_a_minute(district: Path, robot) -> None:
    url = f"http://127.0.0.1:{robot.server_port}/wecom?key=k"
    items = _outgoing(district, url)[:25]
    assert len(items) == 25
    clock = FakeClock()
    done = send_all(items, _http_post(), RateLimit(clock, clock.sleep), lambda: 0,
                    lambda: dt.datetime(2020, 11, 10, 9, 0, tzinfo=dt.timezone.utc))
    assert all(a.ok for a in done) and len(robot.requests) == 25
    assert clock.slept == [60.0]  # the 21st post waits for the first minute to pass, none before
    assert [body["text"]["content"] for _, body in robot.requests] == [o.content for o in items]


def test_retry_after_rate_limit_answer_and_fail_on_hard_error(district: Path, robot) -> None:
    port = robot.server_port
    robot.scripts["/busy"] = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"}), (200, {"errcode": 0})]
    robot.scripts["/bad"] = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    robot.scripts["/down"] = [(503, {})]
    clock = FakeClock()
    limit = RateLimit(clock, clock.sleep)
    first = _outgoing(district, f"http://127.0.0.1:{port}/busy?key=k")[0]
    ok = send_one(first, _http_post(), limit, lambda: 0)
    assert (ok.ok, ok.tries) == (True, 2) and clock.slept == [2.0]
    bad = send_one(_outgoing(district, f"http://127.0.0.1:{port}/bad?key=k")[0], _http_post(), limit, lambda: 0)
    assert (bad.ok, bad.tries, bad.errcode, bad.errmsg) == (False, 1, 93000, "invalid webhook url")
    down = send_one(_outgoing(district, f"http://127.0.0.1:{port}/down?key=k")[0], _http_post(), limit, lambda: 0)
    assert (down.ok, down.tries, down.errcode) == (False, 4, 503)
    assert clock.slept == [2.0, 2.0, 5.0, 10.0]


def test_network_error_is_retried_then_reported(district: Path) -> None:
    clock = FakeClock()
    item = _outgoing(district, "http://127.0.0.1:9/nothing-listens")[0]
    result = send_one(item, _http_post(), RateLimit(clock, clock.sleep), lambda: 0)
    assert (result.ok, result.tries) == (False, 4) and result.errmsg.startswith("网络错误")


def test_cli_sends_logs_and_does_not_chase_twice_a_day(district: Path, robot, runner, monkeypatch) -> None:
    port = robot.server_port
    monkeypatch.setenv("FUPIN_TEST_WECOM", f"http://127.0.0.1:{port}/wecom?key=SECRETKEY")
    monkeypatch.setenv("FUPIN_TEST_DINGTALK", f"http://127.0.0.1:{port}/ding?access_token=SECRETTOKEN")
    monkeypatch.setenv("FUPIN_TEST_DINGTALK_SECRET", "SECdingSECRET")
    result = runner.invoke(app, ["-w", str(district), "remind", "--send", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    paths = [p.split("?")[0] for p, _ in robot.requests]
    assert "/wecom" in paths and "/ding" in paths
    ding = [(p, b) for p, b in robot.requests if p.startswith("/ding")]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding[0][0]).query)
    assert urllib.parse.unquote_plus(dingtalk_sign("SECdingSECRET", int(query["timestamp"][0]))) == query["sign"][0]
    assert all("催报" in b["text"]["content"] and b["at"]["isAtAll"] is False for _, b in ding)
    wecom_bodies = [b for p, b in robot.requests if p.startswith("/wecom")]
    assert all("城关镇" in b["text"]["content"] for b in wecom_bodies)
    assert any(b["text"]["mentioned_mobile_list"] for b in wecom_bodies)
    log = (district / "returns" / "reminders.jsonl").read_text(encoding="utf-8")
    assert "SECRET" not in log and "127.0.0.1" not in log
    attempts = read_attempts(district)
    assert len(attempts) == len(robot.requests) and all(a["ok"] for a in attempts)
    assert {a["webhook_env"] for a in attempts} == {"FUPIN_TEST_WECOM", "FUPIN_TEST_DINGTALK"}

    sent = len(robot.requests)
    again = runner.invoke(app, ["-w", str(district), "remind", "--send", "--as-of", AS_OF])
    assert again.exit_code == 0 and len(robot.requests) == sent  # same day: nothing chased twice
    assert "--force" in again.stderr
    shown = runner.invoke(app, ["-w", str(district), "remind", "--town", "城关镇", "--as-of", AS_OF,
                                "--format", "json"])
    data = json.loads(shown.stdout)
    assert data["reminders"] and all(r["reminded"] >= 1 and r["last_reminded_at"] for r in data["reminders"])
    forced = runner.invoke(app, ["-w", str(district), "remind", "--send", "--as-of", AS_OF, "--force",
                                 "--channel", "城关镇工作群"])
    assert forced.exit_code == 0 and len(robot.requests) > sent


def test_cli_failure_exit_1_and_dry_run_sends_nothing(district: Path, robot, runner, monkeypatch) -> None:
    port = robot.server_port
    robot.scripts["/wecom"] = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    monkeypatch.setenv("FUPIN_TEST_WECOM", f"http://127.0.0.1:{port}/wecom?key=SECRETKEY")
    dry = runner.invoke(app, ["-w", str(district), "remind", "--send", "--dry-run", "--as-of", AS_OF,
                              "--channel", "城关镇工作群"])
    assert dry.exit_code == 0 and robot.requests == []
    assert "key=***" in dry.stdout and "SECRETKEY" not in dry.stdout and '"msgtype": "text"' in dry.stdout
    failed = runner.invoke(app, ["-w", str(district), "remind", "--send", "--as-of", AS_OF,
                                 "--channel", "城关镇工作群"])
    assert failed.exit_code == 1
    assert "invalid webhook url" in failed.stderr and "SECRETKEY" not in failed.stderr + failed.stdout
    assert read_attempts(district) and not any(a["ok"] for a in read_attempts(district))


def test_misconfigured_channel_exits_2_before_sending(district: Path, robot, runner, monkeypatch) -> None:
    monkeypatch.delenv("FUPIN_TEST_WECOM", raising=False)
    result = runner.invoke(app, ["-w", str(district), "remind", "--send", "--as-of", AS_OF])
    assert result.exit_code == 2 and "FUPIN_TEST_WECOM" in result.stderr and robot.requests == []
    config = district / "fupin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("kind: wecom", "kind: feishu"), encoding="utf-8")
    result = runner.invoke(app, ["-w", str(district), "remind", "--send", "--as-of", AS_OF])
    assert result.exit_code == 2 and "feishu" in result.stderr and not (district / "returns" / "reminders.jsonl").exists()
