"""The demo organisation, after the article in ``shared/seed``: stations, rooms and people."""

from __future__ import annotations

DEMO_PASSWORD = "demo"

STATIONS: tuple[tuple[str, str, tuple[float, float], tuple[tuple[str, str, str], ...]], ...] = (
    (
        "南湖派出所",
        "嘉兴市南湖区南湖路 218 号",
        (30.7525, 120.7655),
        (
            ("枫杨社区警务室", "李持忠警务室", "枫杨社区"),
            ("丁家桥警务室", "警e家", "丁家桥社区"),
            ("湘城警务室", "七彩警务", "湘城社区"),
            ("八佰伴警务室", "三想四到五一样", "八佰伴社区"),
        ),
    ),
    (
        "东栅派出所",
        "嘉兴市南湖区东栅街道东升东路 1199 号",
        (30.7610, 120.7960),
        (
            ("中港警务室", "睦邻警务", "中港社区"),
            ("东栅警务室", "五心服务", "东栅社区"),
        ),
    ),
    (
        "七星派出所",
        "嘉兴市南湖区七星街道七星路 66 号",
        (30.7290, 120.8330),
        (
            ("江南新家园警务室", "新家园守望", "江南新家园社区"),
            ("七星警务室", "星光警务", "七星社区"),
        ),
    ),
    (
        "新丰派出所",
        "嘉兴市南湖区新丰镇新丰大街 38 号",
        (30.6980, 120.8720),
        (
            ("新丰镇警务室", "丰收警务", "新丰社区"),
            ("竹林警务室", "竹林夜话", "竹林村"),
        ),
    ),
    (
        "余新派出所",
        "嘉兴市南湖区余新镇余新路 12 号",
        (30.7960, 120.8790),
        (("余新警务室", "警社联动", "余新社区"),),
    ),
    (
        "大桥派出所",
        "嘉兴市南湖区大桥镇亚太路 501 号",
        (30.7260, 120.8020),
        (("亚中警务室", "家门口的微型派出所", "亚中社区"),),
    ),
)

ADMINS: tuple[tuple[str, str], ...] = (("admin", "系统管理员"),)

CHIEFS: tuple[tuple[str, str, str], ...] = (
    ("chief1", "周卫东", "南湖派出所"),
    ("chief2", "沈建华", "东栅派出所"),
    ("chief3", "朱国平", "七星派出所"),
    ("chief4", "钱海明", "新丰派出所"),
    ("chief5", "姚志强", "余新派出所"),
    ("chief6", "陆文涛", "大桥派出所"),
)

OFFICERS: tuple[tuple[str, str, str, int], ...] = (
    ("officer1", "李持忠", "枫杨社区警务室", 5),
    ("officer2", "陈晓燕", "枫杨社区警务室", 3),
    ("officer3", "李力", "中港警务室", 4),
    ("officer4", "倪鑫福", "江南新家园警务室", 4),
    ("officer5", "毕新宇", "丁家桥警务室", 4),
    ("officer6", "徐建明", "湘城警务室", 3),
    ("officer7", "顾春华", "八佰伴警务室", 3),
    ("officer8", "吴振宇", "东栅警务室", 2),
    ("officer9", "沈丽萍", "七星警务室", 3),
    ("officer10", "张国庆", "新丰镇警务室", 2),
    ("officer11", "金海燕", "竹林警务室", 3),
    ("officer12", "杨伟", "余新警务室", 2),
    ("officer13", "何晓峰", "亚中警务室", 1),
)

TRAFFIC_SQUAD = ("南湖交警一中队", "南湖派出所")
"""The demo's traffic squad, and the station whose rooms it covers."""
TRAFFIC: tuple[tuple[str, str, str], ...] = (
    ("squadlead1", "郑国梁", "squad_lead"),
    ("traffic1", "王建军", "traffic"),
    ("traffic2", "孙立新", "traffic"),
)

VENUES_PER_ROOM = 22
VENUES_IN_DEMO_ROOM = 60
DEMO_ROOM = "枫杨社区警务室"

KIND_WEIGHTS: dict[str, int] = {
    "rental_housing": 30,
    "shop": 20,
    "enterprise": 12,
    "hotel": 10,
    "entertainment": 10,
    "transport_enterprise": 10,
    "internet_cafe": 8,
}

RISK_WEIGHTS: dict[str, tuple[int, int, int]] = {
    "hotel": (5, 4, 1),
    "internet_cafe": (3, 5, 2),
    "rental_housing": (5, 4, 1),
    "entertainment": (2, 5, 3),
    "shop": (8, 2, 0),
    "enterprise": (6, 3, 1),
    "transport_enterprise": (3, 5, 2),
}
