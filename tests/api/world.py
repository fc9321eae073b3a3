"""The test world of the API and cockpit tests: the demo pipeline on the tiny preset, run once
per session, plus users with different scopes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yigong.access.settings import Settings
from yigong.access.throttle import LoginPolicy
from yigong.access.users import UserStore
from yigong.services.demo import run_demo

PASSWORD = "correct horse battery"
COUNTY = "130423"
#: user name -> (role, nodes, the node they ask about as "their own")
USERS: dict[str, tuple[str, list[str], str]] = {
    "county": ("county_commission", [f"division:{COUNTY}"], f"division:{COUNTY}"),
    "office": ("community_office", ["community:C1304231"], "community:C1304231"),
    "town": ("institution", ["inst:H13042300100"], "inst:H13042300100"),
    "village": ("institution", ["inst:H13042301003"], "inst:H13042301003"),
    "elsewhere": ("county_commission", ["division:130402"], "division:130402"),
    "bureau": ("insurance_bureau", [f"division:{COUNTY}"], f"division:{COUNTY}"),
    "auditor": ("auditor", [f"division:{COUNTY}"], f"division:{COUNTY}"),
    "admin": ("county_admin", [f"division:{COUNTY}"], f"division:{COUNTY}"),
    "city": ("city_commission", ["division:130400"], "division:130400"),
    "province": ("province_commission", ["division:130000"], "division:130000"),
}
#: a node outside each user's scope
OUTSIDE = {
    "county": "division:130400",
    "office": "division:130400",
    "town": "inst:H13042300001",
    "village": "community:C1304231",
    "elsewhere": f"division:{COUNTY}",
    "bureau": "division:130400",
    "auditor": "division:130400",
    "admin": "division:130400",
    "city": "division:130500",  # no such city: refused alike
    "province": "division:140000",
}
#: the shared test app locks nobody out (the suite logs in from one address, and the fuzz test
#: sends nonsense credentials); the login defence is tested on apps of its own
LENIENT = LoginPolicy(user_after=10_000, address_after=10_000)


@dataclass(frozen=True)
class World:
    settings: Settings
    period: str


_WORLD: list[World] = []


def build_world(root: Path) -> World:
    """Run the demo once (about 10 s) and add the users; later calls reuse it."""
    if _WORLD:
        return _WORLD[0]
    result = run_demo(root / "demo", preset="tiny", seed=11, dirty_share=0.01, say=lambda _: None)
    from yigong.services.screening import run_screening

    run_screening(result.db, str(result.scorecard_period)[:4])  # screening flags for their route
    settings = Settings(
        warehouse=result.db,
        users_db=root / "auth.sqlite",
        secret="test-secret-not-for-production",
        login=LENIENT,
    )
    store = UserStore(settings.users_path)
    for name, (role, nodes, _) in USERS.items():
        store.add(name, PASSWORD, role, nodes, actor="tests")
    _WORLD.append(World(settings, result.scorecard_period))
    return _WORLD[0]


def one_year_policy(root: Path) -> Path:
    """henan-default looking back one year only: the tiny county holds 2023–2024, so the
    global budget of 2024 runs under it (the shipped policy needs three years of history).
    A user copy of the shipped policy pack, its quota section edited."""
    import shutil

    from yigong.payment.loader import PACKS_DIR

    path = root / "one-year"
    shutil.copytree(PACKS_DIR / "henan-default", path)
    quota = path / "quota.yaml"
    text = quota.read_text(encoding="utf-8")
    old = "    1: 7\n    2: 2\n    3: 1\n"
    assert old in text, "henan-default's history weights changed: update the test policy"
    quota.write_text(text.replace(old, "    1: 1\n"), encoding="utf-8")
    return path


def settled(world: World, root: Path) -> Settings:
    """The world's settings with the one-year policy and their own settlement runs folder."""
    from dataclasses import replace

    root.mkdir(parents=True, exist_ok=True)
    return replace(
        world.settings, settlement_policy=str(one_year_policy(root)), runs_dir=root / "runs"
    )
