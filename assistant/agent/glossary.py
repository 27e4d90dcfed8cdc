"""Words people use for the shop's categories, and Chinese shop terms with their English words.

The sentence model (all-MiniLM-L6-v2) reads English only, so a Chinese question is given
English hints — the English words of the shop terms it holds — before it is embedded or searched
(:func:`english_hints`). Category synonyms let "stationery" mean office and "kitchen stuff" mean
home and kitchen. Both tables hold vocabulary, not answers: nothing here is a routing rule.
"""

from __future__ import annotations

import re

# synonym (lower case) -> the demo shop's category name; a shop whose categories differ keeps only
# the synonyms of the categories it has (Lexicon.from_shop)
CATEGORY_SYNONYMS: dict[str, str] = {
    "stationery": "office", "stationary": "office", "office supplies": "office", "desk stuff": "office",
    "kitchen": "home and kitchen", "kitchen stuff": "home and kitchen", "kitchenware": "home and kitchen",
    "cookware": "home and kitchen", "homeware": "home and kitchen",
    "housewares": "home and kitchen", "home & kitchen": "home and kitchen", "home kitchen": "home and kitchen",
    "cosmetics": "beauty", "makeup": "beauty", "make-up": "beauty", "skincare": "beauty", "skin care": "beauty",
    "clothes": "fashion", "clothing": "fashion", "apparel": "fashion", "fashion wear": "fashion",
    "gadgets": "electronics", "tech": "electronics", "electronic": "electronics", "consumer electronics": "electronics",
    "pets": "pet", "pet supplies": "pet", "pet stuff": "pet",
    "groceries": "grocery", "pantry": "grocery",
    "camping": "outdoor", "outdoors": "outdoor", "hiking": "outdoor", "outdoor gear": "outdoor",
    "fitness": "sports", "sport": "sports", "gym": "sports", "sporting goods": "sports",
    "toy": "toys", "kids toys": "toys", "games": "toys",
    "book": "books",
    "gardening": "garden", "yard": "garden", "lawn and garden": "garden",
}

# Chinese shop terms -> English words (categories, policy topics, merchandising verbs)
ZH_TERMS: dict[str, str] = {
    # categories
    "户外": "outdoor", "露营": "outdoor camping", "电子": "electronics", "数码": "electronics",
    "家居": "home and kitchen", "厨房": "home and kitchen kitchen", "美妆": "beauty", "美容": "beauty",
    "护肤": "beauty skincare", "化妆品": "beauty", "服装": "fashion", "服饰": "fashion", "时尚": "fashion",
    "衣服": "fashion clothes", "运动": "sports", "健身": "sports", "玩具": "toys", "图书": "books",
    "书籍": "books", "园艺": "garden", "花园": "garden", "宠物": "pet", "食品": "grocery", "杂货": "grocery",
    "零食": "grocery", "办公": "office", "文具": "office stationery",
    # policy topics
    "退货": "return returns", "退回": "return", "退款": "refund", "换货": "exchange", "调换": "exchange",
    "运费": "shipping fee postage", "邮费": "shipping postage", "包邮": "free shipping", "免运费": "free shipping",
    "配送": "delivery shipping", "送货": "delivery", "快递": "express delivery", "发货": "shipping dispatch",
    "国际": "international", "海外": "international overseas", "物流": "tracking delivery", "追踪": "track tracking",
    "查询订单": "track order", "订单": "order", "取消": "cancel", "损坏": "damaged", "破损": "damaged",
    "坏了": "faulty broken", "故障": "faulty", "保修": "warranty", "质保": "warranty", "延保": "extended warranty",
    "付款": "payment pay", "支付": "payment pay", "分期": "pay later instalments", "礼品卡": "gift card",
    "价格匹配": "price match", "比价": "price match cheaper", "更便宜": "cheaper", "尺码": "size guide sizing",
    "尺寸": "size sizing", "鞋码": "shoe size", "隐私": "privacy personal data", "个人信息": "personal data privacy",
    "账户": "account", "账号": "account", "注册": "create account", "密码": "password reset", "注销": "delete account",
    "优惠码": "promo code", "折扣码": "promo code discount", "优惠券": "coupon promo code", "会员": "loyalty member",
    "积分": "loyalty points", "促销": "sale promotion", "打折": "discount sale", "缺货": "out of stock",
    "补货": "back in stock restock", "到货通知": "back in stock notify", "保养": "care", "清洗": "clean wash care",
    "多久": "how long", "多少天": "how many days", "费用": "fee cost", "收费": "fee charge", "免费": "free",
    "客服": "customer service", "开封": "opened", "拆封": "opened", "耳机": "headphones", "狗": "dog",
    # merchandising
    "推荐": "recommend recommendations", "为什么": "why", "排名": "rank ranking", "排在": "ranked",
    "看到": "see shown", "比较": "compare", "对比": "compare", "高于": "above", "前面": "ahead",
    "提升": "boost", "加权": "boost", "降权": "bury", "压低": "bury", "置顶": "pin",
    "曝光": "exposure", "集中": "concentrated", "趋势": "trend trending", "上升": "rising up", "增长": "growing",
    "下滑": "falling declining", "下降": "falling", "热卖": "selling well", "畅销": "best selling",
    "价格": "price", "多少钱": "how much price", "库存": "stock", "还有": "left in stock", "有货": "in stock",
    "用户": "user", "客户": "customer", "顾客": "customer", "分群": "segment", "群体": "segment",
    "什么样": "what kind", "类型": "kind type", "建议": "suggest ideas", "清仓": "clear stock", "滞销": "slow movers",
    "积压": "surplus stock", "如果": "what if", "模拟": "simulate", "品牌": "brand", "品类": "category",
    "类目": "category", "找": "find", "想买": "looking for", "搜索": "search", "你好": "hello", "谢谢": "thanks",
}

# colours and product types as people write them in Chinese
ZH_TERMS.update({
    "米色": "beige", "灰色": "grey", "黑色": "black", "蓝色": "blue", "橄榄色": "olive", "藏青": "navy", "海军蓝": "navy",
    "白色": "white", "粉色": "pink", "粉红": "pink", "绿色": "green", "红色": "red",
    "大号": "large", "中号": "medium", "小号": "small",
    "滤水器": "water filter", "净水器": "water filter", "头灯": "headlamp", "帐篷": "tent", "登山杖": "trekking poles",
    "徒步杖": "trekking poles", "防潮垫": "sleeping pad", "睡垫": "sleeping pad", "露营炉": "camping stove", "睡袋": "sleeping bag",
    "登山包": "hiking backpack", "徒步背包": "hiking backpack", "无线耳机": "wireless earbuds", "蓝牙耳机": "wireless earbuds",
    "手机充电器": "phone charger", "充电器": "phone charger", "平板支架": "tablet stand", "数据线": "usb-c cable",
    "蓝牙音箱": "bluetooth speaker", "降噪耳机": "noise-cancelling headphones", "充电宝": "power bank", "移动电源": "power bank",
    "智能手表": "smartwatch", "手表": "smartwatch", "砧板": "cutting board", "菜板": "cutting board", "磨豆机": "coffee grinder",
    "储物罐": "storage jar set", "厨师刀": "chef knife", "菜刀": "chef knife", "平底锅": "frying pan", "煎锅": "frying pan",
    "法压壶": "french press", "搅拌碗": "mixing bowl set", "汤锅": "saucepan", "锅": "pan", "保湿霜": "moisturiser", "面霜": "moisturiser",
    "洁面乳": "facial cleanser", "洗面奶": "facial cleanser", "爽肤水": "toner", "晚霜": "night cream", "防晒霜": "sunscreen spf 50",
    "防晒": "sunscreen", "润唇膏": "lip balm", "眼霜": "eye cream", "精华": "vitamin c serum serum", "围巾": "wool scarf",
    "雨衣": "rain jacket", "冲锋衣": "rain jacket", "夹克": "jacket", "休闲裤": "chinos", "裤子": "trousers chinos", "T恤": "t-shirt",
    "皮带": "belt", "腰带": "belt", "牛仔裤": "jeans", "运动鞋": "sneakers", "连帽衫": "hoodie", "卫衣": "hoodie", "健身包": "gym bag",
    "跑鞋": "running shoes", "跑步鞋": "running shoes", "哑铃": "dumbbell set", "水壶": "water bottle", "水杯": "water bottle",
    "瑜伽垫": "yoga mat", "泡沫轴": "foam roller", "跳绳": "jump rope", "弹力带": "resistance bands", "火车玩具": "train set",
    "毛绒熊": "plush bear", "毛绒玩具": "plush bear", "桌游": "board game", "拼图": "puzzle", "美术套装": "art set",
    "科学实验": "science kit", "积木": "building blocks", "玩具车": "toy car set", "科幻小说": "science fiction novel",
    "小说": "novel", "自助书": "self-help book", "旅行指南": "travel guide", "食谱": "cookbook", "诗集": "poetry collection",
    "推理小说": "mystery novel", "绘本": "children's picture book", "历史书": "history book", "营养土": "potting soil",
    "育苗": "seed starter kit", "洒水壶": "watering can", "浇水壶": "watering can", "园艺手套": "garden gloves", "手套": "gloves",
    "种植箱": "raised garden bed", "花盆": "planter pot", "修枝剪": "pruning shears", "剪刀": "shears", "水管": "garden hose",
    "猫砂": "cat litter", "狗粮": "dog food", "牵引绳": "dog leash", "狗绳": "dog leash", "狗窝": "dog bed", "狗床": "dog bed",
    "猫抓板": "cat scratcher", "宠物碗": "pet bowl", "宠物香波": "pet shampoo", "宠物沐浴露": "pet shampoo", "磨牙玩具": "chew toy",
    "坚果": "mixed nuts", "燕麦": "granola", "黑巧克力": "dark chocolate", "巧克力": "chocolate", "咖啡豆": "coffee beans",
    "蜂蜜": "honey", "意面": "pasta", "意大利面": "pasta", "绿茶": "green tea", "橄榄油": "olive oil", "计划本": "planner",
    "显示器支架": "monitor stand", "台灯": "desk lamp", "人体工学鼠标": "ergonomic mouse", "鼠标": "mouse", "笔记本": "notebook",
    "中性笔": "gel pens", "桌面收纳": "desk organiser", "椅垫": "office chair cushion", "登山": "hiking",
    # more policy and merchandising words
    "退": "return", "换": "exchange", "寄回": "send back return", "邮寄": "post shipping", "验证": "verification",
    "两步": "two-step", "发票": "invoice", "电池": "battery", "回收": "recycle", "手机": "phone", "应用": "app", "学生": "student",
    "老师": "teacher", "活动": "promotion event", "双十一": "singles day sale", "裂": "cracked damaged", "划痕": "scratched damaged",
    "过期": "expire", "有效期": "expiry valid", "余额": "balance", "门店": "store shop", "营业时间": "opening hours",
    "电话": "phone number", "备货": "stock up inventory", "库存积压": "surplus stock", "加大": "increase", "该不该": "should",
    "表现": "performance", "卖得": "selling", "最好": "best", "多少": "how much how many", "几件": "how many", "剩": "left",
    "排第": "ranked", "前十": "top 10", "解释": "explain", "原因": "reason why", "理由": "reason why",
})
CATEGORY_TERMS_ZH = ("户外", "电子", "数码", "家居", "厨房", "美妆", "美容", "护肤", "化妆品", "服装", "服饰", "时尚", "衣服",
                     "运动", "健身", "玩具", "图书", "书籍", "园艺", "花园", "宠物", "食品", "杂货", "零食", "办公", "文具")

_CJK = re.compile(r"[\u3400-\u9fff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def english_hints(text: str) -> str:
    """The English words of the Chinese shop terms in ``text``, longest terms first ("" for none)."""
    if not has_cjk(text):
        return ""
    found: list[str] = []
    rest = text
    for term in sorted(ZH_TERMS, key=len, reverse=True):
        if term in rest:
            found.append(ZH_TERMS[term])
            rest = rest.replace(term, " ")
    return " ".join(found)


def with_hints(text: str) -> str:
    """``text`` followed by its English hints, for the sentence model and BM25."""
    hints = english_hints(text)
    return f"{text} ({hints})" if hints else text


def english_form(text: str) -> str:
    """For the English-only sentence model and BM25: a Chinese question as the English words of
    its shop terms plus its Latin words and numbers; any other text unchanged."""
    hints = english_hints(text)
    if not hints:
        return text
    latin = re.findall(r"[A-Za-z0-9$%.:-]+", text)
    return " ".join([hints, *latin])
