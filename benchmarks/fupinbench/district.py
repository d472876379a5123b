"""The synthetic district: a roster of every role from a fixed seed, imported into a new workspace."""

from __future__ import annotations

import csv
import json
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from fupinbench.returns import write_returns

SEED = 20201106
# A real district; --scale multiplies every count.
SIZES = {"town": 15, "village": 150, "aid_unit": 100, "leader": 20, "cadre": 600, "helper": 3000}
MARKER = ".fupin-bench.json"
BUILT = ("ws", "inbox", "roster_source", "empty_returns", "scratch", MARKER)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦覃蓝莫农"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春梅海燕文辉金凤永光荣德福林云峰晓东秋月立新"
PLACE = "龙潭石门城关东岭西江北坡新圩六合清水白沙长安平安凤凰梅花桃源青山柳塘马头黄泥大坪"
BUREAUS = ("区教育局", "区卫生健康局", "区农业农村局", "区住房和城乡建设局", "区财政局", "区人力资源和社会保障局",
           "区交通运输局", "区水利局", "区民政局", "区自然资源局", "区生态环境局", "区商务局", "区文化广电体育和旅游局",
           "区市场监督管理局", "区林业局", "区审计局", "区统计局", "区司法局", "区公安分局", "区供销社")
POSTS = ("第一书记", "驻村工作队员", "村支部书记", "村主任")
LEADER_POSTS = ("区委常委", "副区长", "区人大常委会副主任", "区政协副主席", "区政府党组成员")

Rows = list[dict[str, str]]


def count(role: str, scale: float) -> int:
    """How many units of a role at this scale (at least one)."""
    return max(1, round(SIZES[role] * scale))


def person(rng: random.Random) -> str:
    """A plausible Chinese name of two or three characters."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def place_names(rng: random.Random, n: int, suffix: str, taken: set[str]) -> list[str]:
    """n distinct place names ending in 镇 or 村."""
    names = []
    while len(names) < n:
        name = rng.choice(PLACE) + rng.choice(PLACE) + suffix
        if len(taken) > 600:  # enough combinations used up: add a number
            name = f"{name[:-1]}{len(taken)}{suffix}"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def towns_and_villages(rng: random.Random, scale: float, phones: Iterator[int]) -> tuple[Rows, Rows]:
    """The towns (with head and phone) and their villages, dealt round the towns in turn."""
    towns = [{"name": n, "code": str(451023100 + i), "head": person(rng), "phone": str(next(phones))}
             for i, n in enumerate(place_names(rng, count("town", scale), "镇", set()))]
    taken: set[str] = set()
    villages = []
    for i in range(count("village", scale)):
        town = towns[i % len(towns)]
        [name] = place_names(rng, 1, "村", taken)
        villages.append({"town": town["name"], "name": name, "code": f"{town['code']}{200 + i:03d}"})
    return towns, villages


def aid_units(rng: random.Random, scale: float, phones: Iterator[int], towns: Rows, villages: Rows) -> Rows:
    """The district bureaus' work groups, each helping two villages of one town."""
    rows = []
    for i in range(count("aid_unit", scale)):
        name = BUREAUS[i % len(BUREAUS)] + (f"第{i // len(BUREAUS) + 1}工作组" if i >= len(BUREAUS) else "")
        town = towns[i % len(towns)]["name"]
        own = [v["name"] for v in villages if v["town"] == town]
        rows.append({"name": name, "town": town, "villages": "、".join(rng.sample(own, min(len(own), 2))),
                     "head": person(rng), "phone": str(next(phones))})
    return rows


def people(
    rng: random.Random, scale: float, phones: Iterator[int], towns: Rows, villages: Rows
) -> tuple[Rows, Rows, Rows]:
    """Leaders, cadres (four posts per village) and helpers, a few of them namesakes in the same village."""
    leaders = [{"name": person(rng), "post": rng.choice(LEADER_POSTS), "town": towns[i % len(towns)]["name"],
                "phone": str(next(phones))} for i in range(count("leader", scale))]
    cadres = []
    for i in range(count("cadre", scale)):
        village = villages[i % len(villages)]
        cadres.append({"name": person(rng), "post": POSTS[(i // len(villages)) % len(POSTS)], "town": village["town"],
                       "village": village["name"], "phone": str(next(phones))})
    helpers = []
    namesakes = max(1, round(3 * scale))
    for i in range(count("helper", scale)):
        village = villages[i % len(villages)]
        name = person(rng)
        if i // len(villages) == 1 and i % len(villages) < namesakes:
            name = helpers[i - len(villages)]["name"]  # 同名同村, another phone
        helpers.append({"name": name, "work_unit": rng.choice(BUREAUS), "town": village["town"],
                        "village": village["name"], "households": str(rng.randint(1, 5)), "phone": str(next(phones))})
    return leaders, cadres, helpers


def roster_tables(scale: float, seed: int) -> dict[str, Rows]:
    """The roster rows of every role, keyed by field name, from a fixed seed."""
    rng = random.Random(seed)
    phones = iter(range(13800000000, 13900000000))
    towns, villages = towns_and_villages(rng, scale, phones)
    units = aid_units(rng, scale, phones, towns, villages)
    leaders, cadres, helpers = people(rng, scale, phones, towns, villages)
    return {"town": towns, "village": villages, "aid_unit": units, "leader": leaders, "cadre": cadres,
            "helper": helpers}


def build_workspace(ws: Path, scale: float, seed: int) -> dict[str, int]:
    """A new workspace holding the synthetic roster, imported through fupin's own roster import."""
    from fupin_cli.intake.roster_import import import_roster
    from fupin_cli.model.glossary import Role
    from fupin_cli.model.roles import ROLES
    from fupin_cli.store.scaffold import init_workspace

    init_workspace(ws, name="云溪区2020年脱贫攻坚“四合一”考核迎检工作（压力测试）", district="云溪区", year=2020)
    source = ws.parent / "roster_source"
    source.mkdir(exist_ok=True)
    tables = roster_tables(scale, seed)
    for role_name, rows in tables.items():
        role = Role(role_name)
        specs = ROLES[role].columns
        path = source / f"{role_name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([s.header for s in specs])
            writer.writerows([[row.get(s.field, "") for s in specs] for row in rows])
        result = import_roster(ws, path, role)
        if not result.ok:
            raise SystemExit(f"roster import of {path} failed: {[f.message for f in result.findings][:3]}")
    return {role: len(rows) for role, rows in tables.items()}


def reuse(root: Path, scale: float, seed: int, with_xls: bool) -> dict | None:
    """The saved description of a district built in `root` with the same scale, seed and XLS choice, if any."""
    marker = root / MARKER
    if not marker.is_file():
        return None
    saved = json.loads(marker.read_text())
    if saved["scale"] == scale and saved["seed"] == seed and saved["with_xls"] == with_xls:
        return saved
    return None


def clear(root: Path) -> None:
    """Remove what an earlier build left in `root` (and nothing else)."""
    for child in BUILT:
        target = root / child
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def prepare(root: Path, scale: float, seed: int, with_xls: bool, fupin: str) -> dict:
    """Build (or reuse, when the same scale and seed were built there before) the district and its returns."""
    saved = reuse(root, scale, seed, with_xls)
    if saved is not None:
        print(f"reusing the district in {root}", flush=True)
        return saved
    if root.exists():
        clear(root)
    root.mkdir(parents=True, exist_ok=True)
    ws, scratch = root / "ws", root / "scratch"
    scratch.mkdir()
    started = time.perf_counter()
    roster_counts = build_workspace(ws, scale, seed)
    print(f"roster imported in {time.perf_counter() - started:.1f} s: {roster_counts}", flush=True)
    shutil.copytree(ws / "returns", root / "empty_returns")
    code = subprocess.run([fupin, "forms", "generate", "--format", "both", "--out", str(ws / "forms")], cwd=ws,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
    if code != 0:
        raise SystemExit("fupin forms generate failed; cannot fill returns")
    started = time.perf_counter()
    inbox = write_returns(ws, root / "inbox", scratch, seed, scale, with_xls)
    print(f"returns filled in {time.perf_counter() - started:.1f} s: {len(inbox.csv)} CSV/TXT, "
          f"{len(inbox.xlsx)} XLSX, {len(inbox.xls)} XLS", flush=True)
    saved = {"scale": scale, "seed": seed, "with_xls": with_xls, "roster": roster_counts,
             "forms": sum(1 for _ in (ws / "forms").rglob("*.xlsx")),
             **{kind: [str(p.relative_to(root)) for p in getattr(inbox, kind)] for kind in ("csv", "xlsx", "xls")},
             "encodings": inbox.encodings, "retyped": inbox.retyped,
             "town": roster_tables(scale, seed)["town"][0]["name"]}
    (root / MARKER).write_text(json.dumps(saved, ensure_ascii=False))
    return saved
