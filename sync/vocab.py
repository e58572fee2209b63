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
        "traffic": ("交警", "Traffic officer"),
        "squad_lead": ("交警中队长", "Traffic squad leader"),
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

WORK_ORDER_KINDS: Labels = _labels(
    {
        "illegal_parking": ("乱停车", "Illegal parking"),
        "abandoned_vehicle": ("僵尸车", "Abandoned vehicle"),
        "traffic_facility": ("交通设施损坏", "Damaged traffic facility"),
        "other": ("其他", "Other"),
    }
)

WORK_ORDER_STATES: Labels = _labels(
    {
        "reported": ("已上报", "Reported"),
        "dispatched": ("已派单", "Dispatched"),
        "accepted": ("已接单", "Accepted"),
        "contacting": ("联系中", "Contacting"),
        "resolved": ("已处理", "Resolved"),
        "closed": ("已办结", "Closed"),
        "withdrawn": ("已撤回", "Withdrawn"),
    }
)

WORK_ORDER_EVENTS: Labels = _labels(
    {
        "assigned": ("指派", "Assigned"),
        "accepted": ("接单", "Accepted"),
        "contacting": ("联系车主", "Contacting the owner"),
        "resolved": ("处理完毕", "Resolved"),
        "verified": ("核查通过", "Verified"),
        "reopened": ("核查退回", "Reopened"),
        "withdrawn": ("撤回", "Withdrawn"),
    }
)

WORK_ORDER_OUTCOMES: Labels = _labels(
    {
        "moved_by_owner": ("车主已挪车", "Moved by the owner"),
        "ticketed": ("已处罚", "Ticketed"),
        "towed": ("已拖移", "Towed"),
        "not_found": ("未发现", "Not found"),
        "not_traffic": ("非交警事项", "Not a traffic matter"),
    }
)

CONTACT_RESULTS: Labels = _labels(
    {
        "reached": ("已联系上车主", "Owner reached"),
        "unreachable": ("联系不上车主", "Owner unreachable"),
    }
)

URGENCIES: Labels = _labels(
    {
        "normal": ("一般", "Normal"),
        "urgent": ("紧急", "Urgent"),
    }
)

HOUSE_STATUSES: Labels = _labels(
    {
        "let": ("在租", "Let"),
        "vacant": ("空置", "Vacant"),
        "closed": ("停租", "No longer let"),
    }
)

DOCUMENT_KINDS: Labels = _labels(
    {
        "resident_id": ("居民身份证", "Resident identity card"),
        "passport": ("护照", "Passport"),
    }
)

VERIFICATIONS: Labels = _labels(
    {
        "document_seen": ("民警核验证件", "Document checked by the officer"),
        "landlord": ("房东申报", "Reported by the landlord"),
        "self_declared": ("本人申报", "Declared by the resident"),
    }
)

PERMIT_STATUSES: Labels = _labels(
    {
        "applied": ("已申请", "Applied"),
        "accepted": ("已受理", "Accepted"),
        "issued": ("已发证", "Issued"),
        "refused": ("不予受理", "Refused"),
    }
)

ASSIGNMENT_KINDS: Labels = _labels(
    {
        "inspection": ("场所检查", "Venue inspection"),
        "case_revisit": ("案件回访", "Case re-visit"),
    }
)

ASSIGNMENT_ORIGINS: Labels = _labels(
    {
        "schedule": ("按检查周期", "By the inspection schedule"),
        "chief": ("所领导指派", "Assigned by the chief"),
    }
)

ASSIGNMENT_STATUSES: Labels = _labels(
    {
        "open": ("待办", "Open"),
        "done": ("已完成", "Done"),
        "missed": ("已逾期", "Missed"),
        "handed_back": ("已退回待分派", "Handed back"),
        "cancelled": ("已取消", "Cancelled"),
    }
)

HAND_BACK_REASONS: Labels = _labels(
    {
        "moved": ("民警调离警务室", "The officer moved to another room"),
        "disabled": ("民警账号停用", "The officer's account was disabled"),
    }
)

NOTICE_KINDS: Labels = _labels(
    {
        "log_returned": ("检查记录被退回", "A log was returned"),
        "assigned": ("新的任务", "A new assignment"),
        "order_changed": ("派单状态变化", "A work order changed state"),
        "conflict_resolved": ("同步冲突已处理", "A sync conflict was resolved"),
        "change_refused": ("修改被拒绝", "A change was refused"),
        "submitted": ("新提交的检查记录", "A log was submitted"),
        "missed": ("任务逾期", "An assignment was missed"),
        "handed_back": ("任务退回待分派", "An assignment was handed back"),
        "withdrawn": ("任务已撤回", "An assignment was taken off you"),
        "conflict_waiting": ("冲突超过两天未处理", "A conflict has waited over two days"),
        "under_attack": ("账号疑似被攻击", "An account is under attack"),
    }
)

STAR_LEVELS = range(6)

FIELD_NAMES: Labels = _labels(
    {
        "room_id": ("警务室", "Police room"),
        "name": ("名称", "Name"),
        "kind": ("场所类型", "Kind of venue"),
        "address": ("地址", "Address"),
        "responsible_person": ("负责人", "Person in charge"),
        "phone": ("电话", "Phone"),
        "location": ("位置", "Position"),
        "risk_level": ("风险等级", "Risk level"),
        "notes": ("备注", "Notes"),
        "venue_id": ("场所", "Venue"),
        "officer_id": ("民警", "Officer"),
        "inspected_at": ("检查时间", "Time of inspection"),
        "template_id": ("检查表", "Checklist template"),
        "template_version": ("检查表版本", "Checklist version"),
        "checklist": ("检查项目", "Checklist"),
        "findings": ("检查发现", "Findings"),
        "hazard_level": ("隐患等级", "Hazard level"),
        "rectification_required": ("需要整改", "Rectification required"),
        "rectification_deadline": ("整改期限", "Rectification deadline"),
        "photo_hashes": ("照片", "Photos"),
        "photo_notes": ("照片说明与标记", "Photo captions and marks"),
        "signer_name": ("签名人", "Signer's name"),
        "signature_hash": ("签名", "Signature"),
        "status": ("状态", "Status"),
        "review_comment": ("审核意见", "Review comment"),
        "reviewer_id": ("审核人", "Reviewer"),
        "reviewed_at": ("审核时间", "Time of review"),
        "subject_kind": ("回访类型", "Follow-up of"),
        "inspection_id": ("检查记录", "Inspection"),
        "case_number": ("案件编号", "Case number"),
        "due_date": ("回访日期", "Due date"),
        "visited_at": ("回访时间", "Time of visit"),
        "outcome": ("回访结果", "Outcome"),
        "rectified": ("已整改", "Rectified"),
        "satisfaction": ("满意度", "Satisfaction"),
        "deleted": ("删除", "Deletion"),
        "plate": ("车牌号", "Plate"),
        "vehicle_colour": ("车身颜色", "Colour"),
        "vehicle_make": ("品牌", "Make"),
        "note": ("说明", "Note"),
        "urgency": ("紧急程度", "Urgency"),
        "reported_at": ("上报时间", "Time of report"),
        "reason": ("理由", "Reason"),
        "ticket_number": ("处罚决定书编号", "Ticket number"),
        "contact_result": ("联系结果", "Contact with the owner"),
        "assignee_id": ("承办交警", "Assigned to"),
        "landlord_name": ("房东姓名", "Landlord's name"),
        "landlord_id_number": ("房东身份证号", "Landlord's ID number"),
        "landlord_phone": ("房东电话", "Landlord's phone"),
        "units": ("房间/床位", "Rooms or beds"),
        "last_verified_at": ("最近核查", "Last verified"),
        "house_id": ("出租房", "Rental house"),
        "full_name": ("姓名", "Full name"),
        "unit": ("房间/床位", "Room or bed"),
        "document_kind": ("证件类型", "Kind of document"),
        "document_number": ("证件号码", "Document number"),
        "nationality": ("国籍", "Nationality"),
        "visa_type": ("签证种类", "Visa type"),
        "household_place": ("户籍地", "Place of household registration"),
        "employer": ("工作单位/职业", "Employer or occupation"),
        "arrived_at": ("入住时间", "Moved in"),
        "registered_at": ("登记时间", "Registered"),
        "moved_out_at": ("注销时间", "Moved out"),
        "verification": ("核验方式", "How it was verified"),
        "occupant_id": ("登记人员", "Registered resident"),
        "applied_at": ("申请时间", "Applied"),
        "accepted_at": ("受理时间", "Accepted"),
        "decided_at": ("办结时间", "Decided"),
        "permit_number": ("居住证号", "Permit number"),
        "station_id": ("派出所", "Police station"),
        "venue_kind": ("场所类型", "Kind of venue"),
        "interval_days": ("检查周期(天)", "Every (days)"),
        "starts_on": ("起始日期", "Starting on"),
        "active": ("启用", "In force"),
        "origin": ("来源", "Origin"),
        "visit_whom": ("回访对象", "Whom to visit"),
        "assigned_by": ("指派人", "Assigned by"),
        "followup_id": ("回访记录", "Follow-up"),
        "done_at": ("完成时间", "Done"),
        "comment": ("民警说明", "Officer's comment"),
        "commented_at": ("说明时间", "Commented"),
        "handed_back_reason": ("退回原因", "Why handed back"),
        "handed_back_from": ("原承办民警", "Handed back by"),
        "missed_on": ("逾期日期", "Missed on"),
    }
)
"""The name of each wire field of the records officers write, as the handheld and the dashboard show it."""
