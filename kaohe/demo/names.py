"""Names for the demo township: villages put together from common parts, and officials.

Every name is synthetic: a village is a direction, surname and suffix (东王庄, 李家洼, 刘集), an
official a common surname and one or two given-name characters.
"""

from __future__ import annotations

import numpy as np

# Village names are put together from parts, each with its pinyin for the English name.
_DIRECTIONS = (
    ("东", "dong"),
    ("西", "xi"),
    ("南", "nan"),
    ("北", "bei"),
    ("前", "qian"),
    ("后", "hou"),
    ("大", "da"),
    ("小", "xiao"),
    ("上", "shang"),
    ("下", "xia"),
)
_VILLAGE_SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("赵", "zhao"),
    ("孙", "sun"),
    ("马", "ma"),
    ("高", "gao"),
    ("郭", "guo"),
    ("胡", "hu"),
    ("宋", "song"),
    ("韩", "han"),
    ("冯", "feng"),
    ("曹", "cao"),
    ("许", "xu"),
    ("邓", "deng"),
    ("丁", "ding"),
    ("崔", "cui"),
)
# {direction}{surname}{suffix}: 东王庄, 后李屯
_DIRECTED_SUFFIXES = (("庄", "zhuang"), ("屯", "tun"), ("集", "ji"), ("楼", "lou"), ("营", "ying"))
# {surname}家{place}: 李家洼, 张家寨
_FAMILY_PLACES = (
    ("洼", "wa"),
    ("寨", "zhai"),
    ("营", "ying"),
    ("店", "dian"),
    ("河", "he"),
    ("坡", "po"),
    ("岗", "gang"),
    ("桥", "qiao"),
    ("湾", "wan"),
    ("庄", "zhuang"),
)
# {surname}{suffix}: 刘集, 陈楼, 高官庄
_PLAIN_SUFFIXES = (
    ("集", "ji"),
    ("楼", "lou"),
    ("屯", "tun"),
    ("官庄", "guanzhuang"),
    ("堡", "bao"),
    ("圩", "wei"),
)

_PERSON_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN_CHARS = "建国明华秀英志强文军平海玉兰春梅红德成福顺立新金凤丽桂芳宝林俊杰振东伟敏静霞云峰刚勇波涛超亮洪庆永胜利荣贵"


def village_names(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    """``count`` distinct village names (Chinese, English) made from common name parts."""
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(names) < count:
        surname = _VILLAGE_SURNAMES[rng.integers(len(_VILLAGE_SURNAMES))]
        pattern = rng.integers(3)
        parts: tuple[tuple[str, str], ...]
        if pattern == 0:
            first = _DIRECTIONS[rng.integers(len(_DIRECTIONS))]
            last = _DIRECTED_SUFFIXES[rng.integers(len(_DIRECTED_SUFFIXES))]
            parts = (first, surname, last)
        elif pattern == 1:
            place = _FAMILY_PLACES[rng.integers(len(_FAMILY_PLACES))]
            parts = (surname, ("家", "jia"), place)
        else:
            parts = (surname, _PLAIN_SUFFIXES[rng.integers(len(_PLAIN_SUFFIXES))])
        zh = "".join(p[0] for p in parts) + "村"
        if zh in seen:
            continue
        seen.add(zh)
        en = "".join(p[1] for p in parts).capitalize() + " Village"
        names.append((zh, en))
    return names


def person_name(rng: np.random.Generator) -> str:
    """A synthetic official's name: a common surname and one or two given-name characters."""
    surname = _PERSON_SURNAMES[rng.integers(len(_PERSON_SURNAMES))]
    size = 1 if rng.random() < 0.3 else 2
    given = "".join(_GIVEN_CHARS[rng.integers(len(_GIVEN_CHARS))] for _ in range(size))
    return surname + given
