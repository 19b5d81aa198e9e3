"""The formatted Excel workbooks (考核结果汇总表, 分项得分明细表, 指标完成情况表, 奖惩兑现表,
数据核查表), each written from a township's published run by a ``build_…`` function that takes a
:class:`~kaohe.documents.base.DocumentRequest` and gives a
:class:`~kaohe.documents.base.Document` (registered in :mod:`kaohe.documents.registry`).
"""

from __future__ import annotations

from .checks import build_checks_workbook
from .indicators import build_indicators_workbook
from .items import build_items_workbook
from .money import build_money_workbook
from .ranking import build_ranking_workbook

__all__ = [
    "build_checks_workbook",
    "build_indicators_workbook",
    "build_items_workbook",
    "build_money_workbook",
    "build_ranking_workbook",
]
