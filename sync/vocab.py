"""The closed vocabularies of the domain, as they travel on the wire.

Each vocabulary maps the wire value to its Chinese and English labels, so the server,
the dashboard and the handheld show the same words for the same value.
"""

from collections.abc import Mapping
from types import MappingProxyType

Labels = Mapping[str, tuple[str, str]]


def _labels(pairs: dict[str, tuple[str, str]]) -> Labels:
    return MappingProxyType(pairs)


ROLES: Labels = _labels(
    {
        "officer": ("社区民警", "Community officer"),
        "chief": ("所领导", "Station chief"),
        "admin": ("管理员", "Administrator"),
    }
)

VENUE_KINDS: Labels = _labels(
    {
        "hotel": ("旅馆", "Hotel"),
        "internet_cafe": ("网吧", "Internet café"),
        "rental_housing": ("出租房", "Rental housing"),
        "entertainment": ("娱乐场所", "Entertainment venue"),
        "shop": ("商铺", "Shop"),
        "enterprise": ("企业", "Enterprise"),
        "transport_enterprise": ("运输企业", "Transport enterprise"),
    }
)

RISK_LEVELS: Labels = _labels(
    {
        "low": ("低", "Low"),
        "medium": ("中", "Medium"),
        "high": ("高", "High"),
    }
)

HAZARD_LEVELS: Labels = _labels(
    {
        "none": ("无隐患", "No hazard"),
        "minor": ("一般隐患", "Minor hazard"),
        "major": ("较大隐患", "Major hazard"),
        "severe": ("重大隐患", "Severe hazard"),
    }
)

CHECK_RESULTS: Labels = _labels(
    {
        "pass": ("合格", "Pass"),
        "fail": ("不合格", "Fail"),
        "not_applicable": ("不适用", "Not applicable"),
    }
)

INSPECTION_STATUSES: Labels = _labels(
    {
        "draft": ("草稿", "Draft"),
        "submitted": ("已提交", "Submitted"),
        "approved": ("已审核", "Approved"),
        "returned": ("已退回", "Returned"),
    }
)

FOLLOWUP_SUBJECTS: Labels = _labels(
    {
        "rectification": ("整改复查", "Rectification re-check"),
        "case": ("案件回访", "Case re-visit"),
    }
)

FOLLOWUP_STATUSES: Labels = _labels(
    {
        "planned": ("待回访", "Planned"),
        "done": ("已完成", "Done"),
        "cancelled": ("已取消", "Cancelled"),
    }
)

SATISFACTION: Labels = _labels(
    {
        "satisfied": ("满意", "Satisfied"),
        "basically_satisfied": ("基本满意", "Basically satisfied"),
        "dissatisfied": ("不满意", "Dissatisfied"),
    }
)

STAR_LEVELS = range(6)
