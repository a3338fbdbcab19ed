"""Place names for figures in English or Chinese, and the CJK font that Chinese names need.

The figures write provinces and offices by the English names the scenarios use (``provinces.csv`` and
``cities.csv`` ``name_en``). With ``names="zh"`` (``rollout-sim plot RESULTS_DIR --names zh``) they write:

- provinces by their official Chinese short names (:data:`PROVINCES_ZH`: 北京, 内蒙古, 广西, ...; the full names
  such as 广西壮族自治区 are ``name_zh`` in ``scenarios/data/provinces.csv``);
- offices by ``name_zh`` of ``scenarios/data/cities.csv`` (the office of a prefecture-level unit is named by that
  unit's ``name_en``), a bracketed remark dropped; an office not listed there (a hand-built scenario's
  ``City service hall``) keeps its English name.

Font fallback. Chinese text needs a font with CJK glyphs, and matplotlib's own fonts have none. :func:`find_cjk_font`
looks through the fonts matplotlib knows (and, once, the system's font files it has not seen yet) for the first of
:data:`CJK_FONTS` that has a glyph for every character of the 31 provinces' short names. When none is installed,
:func:`naming` logs one warning line (logger ``sim``, so one line on stderr under ``rollout-sim``) naming the fonts
looked for, and the figures use English names and say so in their footer (:attr:`Naming.note`). Chinese text is
drawn with the family list ``["DejaVu Sans", <CJK font>]``, so Latin letters keep matplotlib's default font and
CJK characters come from the CJK font; an office name with a character the font lacks is written in English.
Hence no figure ever shows a missing-glyph box.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeAlias

Language: TypeAlias = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")
"""The names a figure can write: English (the scenarios' names) or Chinese."""

LATIN_FONT = "DejaVu Sans"
"""matplotlib's bundled default font, first in the family list of Chinese text (Latin letters, digits)."""

PROVINCES_ZH: dict[str, str] = {
    "Beijing": "北京",
    "Tianjin": "天津",
    "Hebei": "河北",
    "Shanxi": "山西",
    "Inner Mongolia": "内蒙古",
    "Liaoning": "辽宁",
    "Jilin": "吉林",
    "Heilongjiang": "黑龙江",
    "Shanghai": "上海",
    "Jiangsu": "江苏",
    "Zhejiang": "浙江",
    "Anhui": "安徽",
    "Fujian": "福建",
    "Jiangxi": "江西",
    "Shandong": "山东",
    "Henan": "河南",
    "Hubei": "湖北",
    "Hunan": "湖南",
    "Guangdong": "广东",
    "Guangxi": "广西",
    "Hainan": "海南",
    "Chongqing": "重庆",
    "Sichuan": "四川",
    "Guizhou": "贵州",
    "Yunnan": "云南",
    "Tibet": "西藏",
    "Shaanxi": "陕西",
    "Gansu": "甘肃",
    "Qinghai": "青海",
    "Ningxia": "宁夏",
    "Xinjiang": "新疆",
}
"""Province (English name, as ``name_en`` in ``provinces.csv``) to its official Chinese short name (the full name
without 省, 市 or 自治区 and the autonomous region's ethnic name)."""

CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Droid Sans Fallback",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
)
"""Font families with simplified Chinese glyphs, in order of preference (a font collection such as Debian's
``fonts-noto-cjk`` shows matplotlib its first face, ``Noto Sans CJK JP``, which has the same glyphs)."""

CITIES_CSV = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "cities.csv"
"""The repository's prefecture-level units, whose ``name_en`` name the national offices and ``name_zh`` gives
their Chinese names."""

FONT_NOTE = "Chinese names were asked for, but no CJK font is installed: English names shown."
"""The footer of a figure drawn with English names because no CJK font was found."""

log = logging.getLogger("sim")

_REMARK = re.compile(r"\s*[(（][^)）]*[)）]")


def font_covers(font: str, text: str) -> bool:
    """Whether an installed font family has a glyph for every character of ``text``.

    Parameters
    ----------
    font
        A font family name known to matplotlib.
    text
        The characters to draw (white space is not checked).

    Returns
    -------
    bool
        False when the family is not installed or lacks a character.
    """
    charmap = _charmap(font)
    return bool(charmap) and all(ord(c) in charmap for c in set(text) if not c.isspace())


@cache
def _charmap(font: str) -> frozenset[int]:
    """The code points of the file matplotlib draws ``font`` with (empty when the family is not installed)."""
    from matplotlib import font_manager  # noqa: PLC0415  (matplotlib loads only to draw: the CLI starts without it)

    try:
        path = font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False)
        return frozenset(font_manager.get_font(path).get_charmap())
    except (ValueError, OSError, RuntimeError):
        return frozenset()


def find_cjk_font() -> str | None:
    """The first installed font of :data:`CJK_FONTS` with glyphs for every province's Chinese short name.

    Looks among the fonts matplotlib knows first; when none fits, adds the system's font files that matplotlib's
    font cache has not seen yet (a font installed after matplotlib built its cache) and looks again. The answer is
    kept for the rest of the process.

    Returns
    -------
    str or None
        The font family name, or None when no such font is installed.
    """
    return _find_cjk_font()


@cache
def _find_cjk_font() -> str | None:
    sample = "".join(PROVINCES_ZH.values())
    found = _first_covering(sample)
    if found is None and _add_unseen_system_fonts():
        _charmap.cache_clear()
        found = _first_covering(sample)
    return found


def _first_covering(sample: str) -> str | None:
    from matplotlib import font_manager  # noqa: PLC0415  (matplotlib loads only to draw: the CLI starts without it)

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((font for font in CJK_FONTS if font in installed and font_covers(font, sample)), None)


def _add_unseen_system_fonts() -> bool:
    """Add the system font files matplotlib's cache does not hold; whether any was added."""
    from matplotlib import font_manager  # noqa: PLC0415  (matplotlib loads only to draw: the CLI starts without it)

    known = {str(entry.fname) for entry in font_manager.fontManager.ttflist}
    added = False
    for path in font_manager.findSystemFonts():
        if path in known:
            continue
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
        added = True
    return added


@cache
def offices_zh(path: Path = CITIES_CSV) -> dict[str, str]:
    """Office (English name of its prefecture-level unit) to its Chinese name, from ``cities.csv``.

    Parameters
    ----------
    path
        A CSV file with ``name_en`` and ``name_zh`` columns.

    Returns
    -------
    dict of str to str
        ``name_en`` to ``name_zh`` without a bracketed remark (济源市(省直辖县级市) -> 济源市); empty when the file
        is missing or has no such columns.
    """
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        return {}
    out: dict[str, str] = {}
    for row in rows:
        english, chinese = (row.get("name_en") or "").strip(), _REMARK.sub("", row.get("name_zh") or "").strip()
        if english and chinese:
            out[english] = chinese
    return out


@dataclass(frozen=True)
class Naming:
    """How a figure writes place names.

    Attributes
    ----------
    language : {"en", "zh"}
        The names written: English, or Chinese where known.
    font : str or None
        The CJK font family of Chinese names (None with English names).
    note : str
        A footer line for figures that write names ("" when there is nothing to say).
    offices : Mapping[str, str]
        Office English name to Chinese name (used with ``language="zh"``).
    """

    language: Language = "en"
    font: str | None = None
    note: str = ""
    offices: Mapping[str, str] | None = None

    def province(self, name: str) -> str:
        """The province's name to write (its Chinese short name, or ``name`` itself)."""
        return self._chinese(PROVINCES_ZH.get(name), name)

    def office(self, name: str) -> str:
        """The office's name to write (its Chinese name from ``cities.csv``, or ``name`` itself)."""
        return self._chinese((self.offices or {}).get(name), name)

    def _chinese(self, chinese: str | None, english: str) -> str:
        if self.language != "zh" or self.font is None or not chinese or not font_covers(self.font, chinese):
            return english
        return chinese

    @property
    def text(self) -> dict[str, Any]:
        """Keyword arguments for matplotlib text that may hold a name (the font family list with Chinese names)."""
        return {"fontfamily": [LATIN_FONT, self.font]} if self.language == "zh" and self.font else {}


ENGLISH = Naming()
"""English names, no note."""


def naming(names: Language | Naming = "en") -> Naming:
    """How to write names for a ``names`` option, looking for a CJK font when Chinese is asked for.

    Parameters
    ----------
    names
        ``"en"``, ``"zh"``, or a :class:`Naming` already resolved (returned as it is).

    Returns
    -------
    Naming
        English names for ``"en"``; for ``"zh"``, Chinese names with the font :func:`find_cjk_font` found, or,
        when it found none, English names with :data:`FONT_NOTE` after logging one warning line (logger ``sim``)
        naming the fonts looked for.

    Raises
    ------
    ValueError
        For any other ``names``.
    """
    if isinstance(names, Naming):
        return names
    if names == "en":
        return ENGLISH
    if names != "zh":
        raise ValueError(f"names must be one of {', '.join(LANGUAGES)}, got {names!r}")
    font = find_cjk_font()
    if font is None:
        log.warning(
            "warning: Chinese names (--names zh) need a CJK font, none is installed (looked for %s); "
            "English names are used",
            ", ".join(CJK_FONTS),
        )
        return Naming(note=FONT_NOTE)
    return Naming(language="zh", font=font, offices=offices_zh())
