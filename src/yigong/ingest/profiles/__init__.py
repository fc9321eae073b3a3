"""Layout profiles: the national export layouts (住院病案首页 卫统4-1 / WS 445 with HQMS names,
医疗保障基金结算清单 with its sub-lists, HIS outpatient visit lists) read into canonical tables.

Profiles are data packs (`packs.py`); `detect` tells a file's layout from its header;
`apply_layout` / `finish` are the seam with the ingest (`apply.py`); `layout.py` compiles a
matched layout to set-based SQL.
"""

from __future__ import annotations

from yigong.ingest.profiles.apply import apply_layout, cleanup, finish, notices
from yigong.ingest.profiles.detect import Detected, detect, file_header
from yigong.ingest.profiles.headers import Binding, bind
from yigong.ingest.profiles.model import FieldSpec, Profile
from yigong.ingest.profiles.packs import (
    ProfileError,
    all_profiles,
    check_profile,
    get_profile,
    load_profile,
)

__all__ = [
    "Binding",
    "Detected",
    "FieldSpec",
    "Profile",
    "ProfileError",
    "all_profiles",
    "apply_layout",
    "bind",
    "check_profile",
    "cleanup",
    "detect",
    "file_header",
    "finish",
    "get_profile",
    "load_profile",
    "notices",
]
