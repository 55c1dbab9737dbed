"""Demo retailers (零售户): six districts of one city with their streets and routes, shop and people's names,
and 300 believable shops. The names and districts are shared by every area's demo and scale data."""
from __future__ import annotations

import random

from db.models import Retailer

RETAILER_COUNT = 300
SEED = 2026

# district -> (licence area code, share of retailers, streets)
DISTRICTS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "城东区": ("330102", 22, ("人民路", "解放路", "东风路", "建设路", "朝阳街")),
    "城西区": ("330106", 20, ("西湖大道", "文一路", "古荡街", "和平路", "西园巷")),
    "高新区": ("330108", 14, ("科技路", "创业大道", "滨江路", "江南大道", "智慧街")),
    "开发区": ("330109", 14, ("经济大道", "工业路", "金桥路", "通港路", "新塘街")),
    "北湖区": ("330105", 16, ("湖滨路", "北山街", "拱宸路", "莫干山路", "湖墅街")),
    "南山区": ("330110", 14, ("南山路", "五云路", "龙井路", "梅岭街", "虎跑路")),
}
BUSINESS_WEIGHTS = {"convenience": 36, "tobacco_liquor": 30, "grocery": 17, "supermarket": 10, "other": 7}
SUFFIXES = {
    "convenience": ("便利店", "便民店", "24小时便利店", "便利超市"),
    "tobacco_liquor": ("烟酒行", "烟酒商行", "名烟名酒", "烟酒店"),
    "grocery": ("副食店", "食杂店", "杂货铺", "粮油副食"),
    "supermarket": ("超市", "购物广场", "生活超市", "平价超市"),
    "other": ("书报亭", "茶叶店", "商贸部", "五金店", "水果店"),
}
PREFIXES = ("好又多", "金叶", "福满多", "鑫源", "惠民", "万家", "佳佳", "顺发", "永和", "兴隆", "如意", "天天",
            "百姓", "乐购", "家家乐", "红叶", "东方", "华联", "聚福", "恒源", "宏达", "鸿运", "和顺", "利民",
            "新星", "明珠", "锦绣", "春晖", "长青", "金穗", "旺角", "悦来", "同福", "大丰", "喜洋洋", "四季")
SURNAMES = ("王王王李李李张张张刘刘陈陈杨黄赵吴周徐孙马朱胡郭何高林罗"  # repeats weight the commonest
            "郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蒋蔡余杜叶程魏苏吕丁沈")
GIVEN_NAMES = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
               "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "建华", "海燕", "志强", "玉兰", "国庆",
               "春梅", "红霞", "德明", "小龙", "文斌", "丽娟", "永福", "金凤", "卫东", "晓峰", "雪梅")
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                  "155", "156", "158", "159", "180", "181", "186", "187", "188", "189")
STAR_WEIGHTS = {1: 4, 2: 13, 3: 42, 4: 31, 5: 10}


def _routes(rng: random.Random) -> dict[str, list[str]]:
    """3–5 delivery routes per district, named like 城东-03."""
    return {d: [f"{d[:2]}-{n:02d}" for n in range(1, rng.randint(3, 5) + 1)] for d in DISTRICTS}


def _shop_name(rng: random.Random, business_type: str, street: str, taken: set[str]) -> str:
    name = rng.choice(PREFIXES) + rng.choice(SUFFIXES[business_type])
    if name in taken:  # a second shop of the same name is told apart by its street, as locals do
        name = street + name
    branch, base = 2, name
    while name in taken:
        name, branch = f"{base}({branch}店)", branch + 1
    taken.add(name)
    return name


def build_retailers(manager_ids: dict[str, int], count: int = RETAILER_COUNT) -> list[Retailer]:
    """Unsaved, deterministic demo retailers; `manager_ids` maps customer-manager logins to user ids (each looks
    after districts in turn, in the order given)."""
    rng = random.Random(SEED)
    routes = _routes(rng)
    districts = list(DISTRICTS)
    # each customer manager looks after two districts (a busy one and a quieter one)
    in_turn = list(manager_ids.values())
    managers = {d: in_turn[i % len(in_turn)] for i, d in enumerate(districts)}
    serials = rng.sample(range(100_000, 999_999), count)
    taken: set[str] = set()
    retailers = []
    for serial in serials:
        district = rng.choices(districts, weights=[v[1] for v in DISTRICTS.values()])[0]
        area, _share, streets = DISTRICTS[district]
        street = rng.choice(streets)
        business_type = rng.choices(list(BUSINESS_WEIGHTS), weights=list(BUSINESS_WEIGHTS.values()))[0]
        key = rng.random() < 0.10
        stars = rng.choices(list(STAR_WEIGHTS), weights=list(STAR_WEIGHTS.values()))[0]
        roll = rng.random()
        retailers.append(Retailer(
            license_no=f"{area}{serial}",
            shop_name=_shop_name(rng, business_type, street, taken),
            owner_name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
            phone=rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            address=f"{district}{street}{rng.randint(1, 399)}号",
            district=district,
            route=rng.choice(routes[district]),
            manager_id=managers[district],
            business_type=business_type,
            is_key_customer=key,
            star_rating=max(stars, 4) if key else stars,
            integrity_flag=rng.random() < 0.95,
            status="active" if roll < 0.94 else "suspended" if roll < 0.98 else "closed",
        ))
    return retailers
