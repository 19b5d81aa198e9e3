"""Serializers of a comparison of two runs (:mod:`kaohe.assessments.comparing`) for the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers


class ComparedRunSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    scheme = serializers.CharField(source="scheme.code")
    scheme_version = serializers.IntegerField(source="scheme.version")
    year = serializers.IntegerField()
    period_code = serializers.CharField()
    status = serializers.CharField()
    inputs_hash = serializers.CharField()
    scheme_hash = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class ItemChangeSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    part = serializers.CharField()
    old_actual = serializers.FloatField(allow_null=True)
    new_actual = serializers.FloatField(allow_null=True)
    old_target = serializers.FloatField(allow_null=True)
    new_target = serializers.FloatField(allow_null=True)
    old_weight = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    new_weight = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    old_score = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    new_score = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    changed = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy(
            "不同之处：actual（实际值）、target（目标值）、weight（分值）、score（得分）、"
            "added / removed（只有一次计算考核了该项）"
        ),
    )
    rule_changed = serializers.BooleanField(
        help_text=gettext_lazy("实际值、目标值、分值都相同而得分不同：评分规则变了")
    )


class MoneyChangeSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    person = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    rule = serializers.CharField()
    old_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    new_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    explanation_zh = serializers.CharField()
    explanation_en = serializers.CharField()


class UnitChangeSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    old_total = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    new_total = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    old_grade = serializers.CharField()
    new_grade = serializers.CharField()
    old_grade_name = serializers.CharField()
    new_grade_name = serializers.CharField()
    old_rank = serializers.IntegerField(allow_null=True)
    new_rank = serializers.IntegerField(allow_null=True)
    old_vetoes = serializers.ListField(child=serializers.CharField())
    new_vetoes = serializers.ListField(child=serializers.CharField())
    old_contract_version = serializers.IntegerField(allow_null=True)
    new_contract_version = serializers.IntegerField(allow_null=True)
    changed = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy(
            "不同之处：added / removed、total、grade、rank、vetoes、contract（责任书版本）、"
            "items、money；只有 rank 表示名次因其他单位变化而变"
        ),
    )
    items = ItemChangeSerializer(many=True)
    money = MoneyChangeSerializer(many=True)


class ComparisonSerializer(serializers.Serializer[Any]):
    old = ComparedRunSerializer()
    new = ComparedRunSerializer()
    scheme_changed = serializers.BooleanField(
        help_text=gettext_lazy("两次计算的方案内容（方案哈希）不同")
    )
    inputs_changed = serializers.BooleanField(
        help_text=gettext_lazy("两次计算读取的数据（输入哈希）不同")
    )
    unchanged = serializers.IntegerField(help_text=gettext_lazy("结果没有变化的单位数"))
    units = UnitChangeSerializer(many=True)
