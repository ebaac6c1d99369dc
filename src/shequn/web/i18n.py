"""UI strings in English and Chinese, chosen by the community's blueprint language.

Deliberately tiny: the English text is the key, the Chinese table translates it, and a
missing entry falls back to English — so adding a page never breaks the other language, and
no gettext toolchain (catalogues, compile step) is needed for a few dozen labels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from shequn.engine.rules.appeal_command import STEP_NAMES
from shequn.store import tables as t

LANGUAGES = ("en", "zh")
DEFAULT = "en"

ZH: dict[str, str] = {
    "Overview": "概览",
    "Groups": "群",
    "Group": "群",
    "Retention": "留存",
    "Members": "成员",
    "Member": "成员",
    "Diagnose": "诊断",
    "Import": "导入",
    "Log in": "登录",
    "Log out": "退出",
    "API token": "API 令牌",
    "Paste an API token (shequn token create).": "粘贴一个 API 令牌（shequn token create）。",
    "That token is unknown or revoked.": "该令牌不存在或已吊销。",
    "members": "成员",
    "stickiness": "粘性",
    "messages (7 days)": "消息（7 天）",
    "DAU / WAU / MAU": "日活 / 周活 / 月活",
    "AARRR funnel": "AARRR 漏斗",
    "Members by join channel": "按入群渠道的成员",
    "Alerts and moves": "警报与对策",
    "No alerts.": "没有警报。",
    "No events yet: import a chat export.": "还没有事件：请导入聊天记录。",
    "stage": "阶段",
    "why": "原因",
    "age (days)": "群龄（天）",
    "7-day rule": "7 天法则",
    "flags": "标记",
    "dead": "死群",
    "over-active": "过度活跃",
    "Activity": "活跃度",
    "Concentration": "发言集中度",
    "posters": "发言人数",
    "messages": "消息",
    "half of messages by": "一半消息出自",
    "Key behaviour leaders": "关键行为领袖",
    "score": "得分",
    "role": "角色",
    "Noise vs value": "噪音与价值",
    "valuable": "有价值",
    "chatter": "闲聊",
    "Cohort retention (weekly)": "同期群留存（按周）",
    "cohort": "同期群",
    "week": "周",
    "Search": "搜索",
    "name or identity key": "名字或身份标识",
    "Pyramid by role": "角色金字塔",
    "Pyramid by level": "等级金字塔",
    "level": "等级",
    "tags": "标签",
    "manager": "管理者",
    "group_leader": "群主管",
    "fission_agent": "裂变代理",
    "partner": "合伙人",
    "payer": "付费者",
    "Coverage": "覆盖",
    "led by": "负责人",
    "nobody": "无人",
    "Gaps": "缺口",
    "No gaps: every group is led.": "没有缺口：每个群都有人负责。",
    "nobody leads this group": "这个群没有人负责",
    "silent for days": "已沉默天数",
    "small task overdue by days": "小任务逾期天数",
    "not done for days": "未完成天数",
    "Identities": "身份",
    "Memberships": "群成员关系",
    "Roles": "角色",
    "Last events": "最近事件",
    "channel": "渠道",
    "status": "状态",
    "joined": "入群",
    "kind": "类型",
    "when": "时间",
    "Moves the playbook suggests": "打法建议的对策",
    "move": "对策",
    "targets": "对象",
    "Promote to group leader": "提升为群主管",
    "Promoted": "已提升",
    "No moves: every group looks fine.": "没有建议：各群状况良好。",
    "Upload a chat export": "上传聊天记录",
    "File": "文件",
    "Format (empty: detect)": "格式（留空：自动识别）",
    "Time zone (empty: the community's)": "时区（留空：社群时区）",
    "Imported": "已导入",
    "new": "新增",
    "duplicate": "重复",
    "Next": "下一页",
    "Not found": "未找到",
    "Forbidden": "无权操作",
    "Something is wrong with this request": "请求有误",
    "Health report": "健康报告",
    "as of": "截至",
    "acquired": "获取",
    "activated": "激活",
    "retained": "留存",
    "paid": "付费",
    "referred": "推荐",
    "All groups": "全部群",
    "group": "群",
    "Show": "显示",
    "Growth": "增长",
    "member": "成员",
    "Campaigns": "裂变活动",
    "counts after": "留存满",
    "days": "天后计入",
    "inviter": "邀请人",
    "invitee": "被邀请人",
    "counted": "有效邀请",
    "waiting": "待确认",
    "not counted": "不计入",
    "Nobody has invited anyone yet.": "还没有人邀请。",
    "No campaign yet: shequn campaign create.": "还没有裂变活动：shequn campaign create。",
    "Fraud cases": "风控案例",
    "reasons": "原因",
    "Uphold": "维持",
    "Overturn": "推翻",
    "No fraud cases.": "没有风控案例。",
    "Newcomers at the door": "待入群的新人",
    "Nobody is waiting.": "没有人在等待。",
    "Entry links": "入群链接",
    "code": "码",
    "groups": "群",
    "owner": "所有者",
    "uses": "使用次数",
    "Money": "收入",
    "The ladder": "付费阶梯",
    "Conversion per rung": "各阶转化",
    "rung": "阶",
    "reached": "到达人数",
    "from the rung below": "由下一阶转化",
    "median days to reach": "到达天数中位数",
    "Nobody has paid yet.": "还没有人付费。",
    "free": "免费",
    "low": "低价",
    "mid": "中阶",
    "high": "高阶",
    "Recurring revenue": "经常性收入",
    "Recurring revenue by month": "每月经常性收入（MRR）",
    "plan": "产品",
    "active": "有效",
    "churned": "流失",
    "churned MRR": "流失的月收入",
    "No paid memberships yet.": "还没有付费会员。",
    "Refunds": "退款",
    "product": "产品",
    "payments": "付款笔数",
    "refunded": "已退款",
    "refund rate": "退款率",
    "by amount": "按金额",
    "Private offers": "私聊邀约",
    "offered": "已邀约",
    "accepted": "已接受",
    "acceptance": "接受率",
    "No offers yet: shequn offers plan.": "还没有邀约：shequn offers plan。",
    "Commission ledger": "分佣台账",
    "The ledger is for owners and managers.": "分佣台账仅对所有者和管理员可见。",
    "agent": "推广人",
    "earned": "应得",
    "reversed": "冲回",
    "owed": "待付",
    "Nobody has earned commission yet.": "还没有人获得分佣。",
    "Moderation": "群规管理",
    "Steps per rule": "各条群规的处理次数",
    "rule": "群规",
    "step": "处理",
    "undone": "已撤销",
    "No rule has been enforced yet.": "还没有执行过群规。",
    "Appeals": "申诉",
    "appeal": "申诉",
    "decision": "决定",
    "open": "待决定",
    "granted": "申诉成立（已撤销）",
    "upheld": "维持处理",
    "Grant (undo the step)": "申诉成立（撤销处理）",
    "No appeals.": "没有申诉。",
    "Recent steps": "最近的处理",
    "evidence": "依据",
    "message": "消息",
    "reverse": "撤销",
    "Undo": "撤销",
    "reason (the member is told)": "原因（会告知成员）",
    "No steps yet.": "还没有处理记录。",
    "advert": "广告",
    "banned_topic": "禁止话题",
    "flood": "刷屏",
    "newcomer": "新人限制",
    "link_level": "链接等级",
    "lock": "内容锁定",
    "pull_in": "拉人进群",
    "activity": "活动未报备",
    "ban": "社区禁入",
    **STEP_NAMES["zh"],  # reminder, warning, mute, removal: the bot's own words
}

TABLES = {"zh": ZH}


def language_of(conn: Connection, community: str) -> str:
    """The blueprint's ``community.language`` (``en`` when missing or not one we speak)."""
    c = t.communities.c
    blueprint: Any = conn.execute(select(c.blueprint).where(c.slug == community)).scalar()
    lang = (blueprint or {}).get("community", {}).get("language") if blueprint else None
    return lang if lang in LANGUAGES else DEFAULT


def translator(lang: str) -> Callable[[str], str]:
    """``_(text)`` for templates: the translation of ``text``, or ``text`` itself."""
    table = TABLES.get(lang, {})

    def _(text: str) -> str:
        return table.get(text, text)

    return _


def language_in_replica(con: Any, community: str) -> str:
    """The same as :func:`language_of`, read from the analytics replica's newest
    ``community.configured`` event (for the standalone report, which has no store)."""
    row = con.execute(
        "SELECT json_extract_string(data, '$.blueprint.community.language') FROM ev "
        "WHERE community = ? AND kind = 'community.configured' ORDER BY id DESC LIMIT 1",
        [community],
    ).fetchone()
    lang = row[0] if row else None
    return lang if lang in LANGUAGES else DEFAULT
