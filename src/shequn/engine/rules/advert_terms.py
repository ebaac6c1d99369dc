"""The advert detector's vocabulary: contact patterns and promotion words, zh and en.

Weights are how much one hit counts towards the detector's score (a message advertises at a
score of 1.0 by default, ``[rules.advert] threshold``). Contact details weigh most, because an
advert must tell the reader where to go; promotion words weigh less and only add up. Chinese
patterns run on the folded ``compact``/``digits`` views (see ``normalize``), English ones on
``text`` with word boundaries. Each distinct hit counts once.
"""

from __future__ import annotations

# (signal, view, pattern, weight, gates): regular expressions over one folded view. ``gates``
# are what every match must contain, searched first and in order (a digit — searched once
# for the patterns in a row that start with it — then what only this one needs): necessary
# conditions, so they change no verdict, only how many messages the pattern itself runs on
# (most chat has no URL, no digit, no contact word); () runs the pattern always. Patterns
# start with a literal where they can, and a "not after" check comes after that first
# character (``1(?<!\d1)``, not ``(?<!\d)1``): ``re`` scans quickly for a pattern's first
# character only when the pattern starts with one — a leading look-behind makes it try every
# position. (Measured with per-pattern timing on the bench's rows: signals 0.85 x before.)
PATTERNS: tuple[tuple[str, str, str, float, tuple[str, ...]], ...] = (
    ("url", "text", r"(?:https?://|www\.)[^\s]+|t\.me/[^\s]+", 0.8, (r"://|www\.|t\.me/",)),
    (
        "url",
        "text",
        r"\b[a-z0-9][a-z0-9-]{1,40}\.(?:com|net|org|cn|me|ly|io|co|uk|info|biz|xyz|top|cc|tk|vip)"
        r"\b(?:/[^\s]*)?",
        0.6,
        (r"\.(?:com|net|org|cn|me|ly|io|co|uk|info|biz|xyz|top|cc|tk|vip)\b",),
    ),
    # not after a Latin letter or digit (an e-mail address), but after Chinese (稳赚@qhuhu12)
    ("handle", "text", r"@(?<![a-z0-9_.]@)[a-z][a-z0-9_]{3,}\d[a-z0-9_]*", 0.6, ("@",)),
    # a handle without digits (@alice) is a mention as often as a contact: it only adds up
    ("handle", "text", r"@(?<![a-z0-9_.]@)[a-z][a-z0-9_]{4,}", 0.45, ("@",)),
    ("phone", "digits", r"1(?<!\d1)[3-9]\d{9}(?!\d)", 0.8, (r"\d",)),
    (
        "phone",
        "text",
        r"(?:\+(?<![\w£$]\+)44|4(?<![\w£$]4)4|0(?<![\w£$]0))\s?[1-9]\d{2,4}\s?\d{3}\s?\d{3,4}(?!\d)",
        0.7,
        (r"\d",),
    ),
    ("phone", "text", r"(?:电话|致电|热线|tel|call)[:：\s]*\d{7,}", 0.8, (r"\d",)),
    (
        "wechat",
        "digits",
        r"(?<![a-z])(?:微信|威信|薇信|维信|徽信|v信|vx|wx|weixin|wechat|加v|加微|加薇|\+v|v我|微)"
        r"(?:号|id)?[a-z0-9_-]{5,}",
        0.8,
        (r"微|威信|薇|维信|徽信|v信|vx|wx|weixin|wechat|加v|\+v|v我",),
    ),
    (
        "wechat",
        "compact",
        r"加(?:微信|微|薇|威|v|vx|wx)|\+v(?![a-z])|v我|私聊|私信我|扫码",
        0.6,
        (),
    ),
    # a message ending in 私 ("有需私", "洗白私"): "message me privately", the whole advert
    ("contact", "compact", r"私$", 0.45, ("私",)),
    # selling or buying as the first word (出直播粉, 收海外数据库), not 出去/收到…: adds up only
    (
        "trade",
        "compact",
        r"^[出收](?![去来门现发了生差院租国版手到场入口席错问事不个好获听拾藏点])",
        0.25,
        (r"^[出收]",),
    ),
    # a piece of 2 to 12 characters three times over (看我名看我名看我名, TG群发软件…) that
    # starts with a Chinese character c, the next one different (not 哈哈哈); c again within
    # 12 is looked ahead for first. (An advert pasted twice, pieces of 8 to 40, cost twice
    # the time for one advert of the tuning pool: left out.)
    (
        "repeated",
        "compact",
        r"([\u3400-\u9fff])(?=.{1,11}?\1)((?!\1).{1,11}?)\1\2\1\2",
        0.45,
        (r"[\u3400-\u9fff]",),
    ),
    ("qq", "digits", r"(?:qq|扣扣|企鹅|q群)(?:号|群)?\d{5,11}", 0.8, (r"\d",)),
    (
        "shortcode",
        "text",
        r"\b(?:txt|text|send|reply|sms)\b[^.!?]{0,30}?\bto:?\s*\d{4,6}\b",
        0.8,
        (r"\d", r"to:?\s*\d{4}"),
    ),
    (
        "price",
        "text",
        r"[£$€¥]\s?\d[\d,.]*|\d[\d,.]*\s?(?:p|pence)\s?(?:/|per)\s?(?:min|msg|wk)",
        0.5,
        (r"\d",),
    ),
    ("price", "text", r"\d+p\b|\d+\s?p/", 0.3, (r"\d", r"\dp|\d\sp/")),
    # bulk-posting tools wrap each copy in random letters so no two are equal: three letters
    # before and after the Chinese text (LWO看我名…LRN), or the same two at both ends (n2…n2)
    (
        "tagged",
        "text",
        r"^\s*(?:[a-z]{3}(?=[\u3400-\u9fff]).*[\u3400-\u9fff][^\u3400-\u9fff]*[a-z]{3}"
        r"|([a-z0-9]{2})[\u3400-\u9fff].*\1)\s*$",
        0.45,
        (r"^\s*[a-z0-9]{2}",),
    ),
)


def _weigh(weight: float, words: str, sep: str | None = None) -> dict[str, float]:
    return {w.strip(): weight for w in words.split(sep) if w.strip()}


# Promotion and contact words, Chinese (matched without word boundaries on ``compact``).
ZH_WORDS: dict[str, float] = {
    **_weigh(
        0.45,
        """
    优惠 折扣 促销 打折 抢购 限时 大礼包 抽奖 礼品 赚钱 日赚 日入 月入 招代理 收代理 代理商
    返利 佣金 兼职 引流 代发 卡商 公户 出u 收u u商 承兑 洗资 换汇 跑分 博彩 菠菜 彩金 首充
    棋牌 娱乐城 贷款 无押金 免押金 诚信经营 长期合作 欢迎来电 详情请 请致电 咨询电话 联系电话
    开盘 样板房 楼盘 精装 特惠 让利 招商 加盟 代办 办理 包过 秒到 回款 担保 商务合作 有意者
    群发 出售 收购 高价 工作室 稳赚 车队 接一道 可接 量大 可谈 有需要 需要的联系 联系我 充值
    最低价 机会难得 意向者 翻墙 vpn 机场节点 招聘 日结 薪资 需要的 懂的来 私我 联系方式 广告
    推广 营销 顾客 专柜 会员卡 新品 上市 盛大 火爆 震撼 钜惠 恭候 光临 莅临 敬请 热线 回馈
    感恩 折起 全场 买一送一 满减 满送 送好礼 免费送 免费领 免费体验
    代收 代付 代充 代开 看我名 电报 一单一结 秒结 上押 接码 霸屏 灰词 快速排名 投注
    约炮 空降 色粉 涩粉 出粉 劫持 cpa 超级签 报毒 假u 黑u 白u 回u 接回 收料 收卡 洗白 洗米
    漂白 灰白资 usdt 泰达币 想挣钱 零风险 暴利 勿扰 精聊 实地考察 免费测试 付费测试 防封 防红
    专线 下浮 同台 盘口 坐庄 小白可教 源头 号商 飞机号 协议号 裙发 包夜 上门服务 4信
    选购 详询 到店 本店 我公司 本公司 无抵押 放款 办证 特码 必中 送完为止 数量有限 先到先得
    新老顾客 光顾 置业顾问 售楼 样板间 品鉴 低至 立减 满额
    试听 培优 专营 专卖店 旗舰店 厂家直销 质优价廉 急售 月租 旺铺 铺位 最低消费 秒杀 限量
    我司 本司 贵公司 总代理 包吃住 五险一金 先息后本 报名费 户名 税票 巨献 会籍 理财产品
    精版 六肖 中特 红波 绿波 蓝波 返现 核销 卡密 网贷 盗币 买药 奇牌 u换 换u 深透 防销号
    水多 调教 人骚 逼紧 鉴穴 耐艹 龙头币 合作共赢 详谈 店庆 tg会员
    农行 工行 建行 招行 工商银行 农业银行 建设银行 中国银行 邮政储蓄 信用社 交通银行 招商银行
""",
    ),
    **_weigh(
        0.25,
        """
    特价 活动 免费 赠送 红包 会员 咨询 详情 致电 来电 电话 报名 名额 价格 低价 房源 顾问 现房
    首付 利息 月息 收益 投资 理财 资金 通道 稳定 专业 正规 实力 资源 频道 飞机 接单 代理 合作
    欢迎 老板 预约 地址 您好 尊敬 亲爱的 客户 惊喜 大礼 好礼 礼包 元起 万起 折 惠 抢 送 仅需
    仅限 即可 欢迎咨询
    项目 挣钱 缺钱 门槛 找我 封装 搭建 承接 银行卡 买断 中介 上车 服务器 一手 入职 底薪 会所
    萝莉 大长腿 料主 金主 卡接 渠道 对接 滴滴我 融资 借款 开业 发票 额度 信用卡 主营 购车 装修
    家装 经理
    好消息 推出 积分 套餐 产权 单价 总价 商铺 洋房 平米 养生 美容 美体 驾校 补习 托管 课程
    学费 家长 提成 拿钱 用钱 利率 门店 银联 商户 承包 报价 售票 直达 卡号 主攻 六合 话费
    油卡 代币 关键词 排名 下海 高潮 有意
""",
    ),
}

# English promotion words and phrases (``;``-separated), on word boundaries on ``text``.
EN_WORDS: dict[str, float] = {
    **_weigh(
        0.8,
        """
    check out my channel; check my channel; go to my channel; visit my channel; sub to me;
    sub me; subscribe to me; subscribe me; subscribe to my channel; subscribe back; sub back;
    sub4sub; my youtube channel; share my video; follow me on;
""",
        ";",
    ),
    **_weigh(
        0.45,
        """
    prize; claim; winner; won; awarded; award; guaranteed; cash; ringtone; voucher;
    unsubscribe; opt out; optout; po box; pobox; t&c; t&cs; t&c's; my channel; subscribe;
    check out my; sub to; subscribe to; my new; please check; check it out; giveaway;
    get paid; for free; free money; my videos; my video; my music; check out; make money;
    earn money; click here; like this comment; please like; dating; bonus; congratulations;
    selected; to claim; call now; call free; free entry; text stop; reply stop; landline;
    valid; entry; delivery; apply;
""",
        ";",
    ),
    **_weigh(
        0.2,
        """
    free; win; offer; discount; sale; buy; order; earn; money; credit; loan; urgent; mobile;
    txt; reply; stop; visit; website; channel; subscribers; views; promo; deal; cheap; price;
    customer; service; contact; call; text; network; tone; chat; sexy; xxx; 18+; quiz;
    collect; latest; nokia; camera; please; share; follow; instagram; facebook; twitter;
    youtube; song; rapper; video;
""",
        ";",
    ),
}
