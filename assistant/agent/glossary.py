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
# general e-commerce, customer-service and merchandising vocabulary (a compound term is matched
# before its parts and replaces them, so its English repeats the words of the parts it covers)
ZH_TERMS.update({
    # returns, refunds, exchanges
    "退换货": "returns exchange", "退货政策": "return policy", "无理由退货": "return policy no questions asked",
    "七天无理由": "return policy", "退货期限": "return window days", "退货标签": "return label", "退货地址": "return address",
    "退差价": "price difference refund price match", "差价": "price difference", "到账": "refund received arrive",
    "原路退回": "refund to original payment method", "原包装": "original packaging", "包装": "packaging", "吊牌": "tags",
    "未拆封": "unopened", "没拆封": "unopened", "没拆": "unopened", "拆开": "opened", "开封后": "after opening",
    "用过": "used", "穿过": "worn", "手续费": "fee", "折旧费": "restocking fee", "谁出": "who pays", "自己出": "pay myself",
    "换一个": "exchange swap", "换个": "exchange swap", "换成": "instead switch to", "换大": "exchange bigger size",
    "换小": "exchange smaller size", "换颜色": "exchange colour",
    # damaged, faulty, wrong or missing
    "凹痕": "dented damaged", "压坏": "crushed damaged", "摔坏": "broken damaged", "碎了": "broken cracked",
    "漏水": "leaking", "漏了": "leaking", "发错": "wrong item", "送错": "wrong item", "错了": "wrong",
    "少发": "missing item", "漏发": "missing item", "少了": "missing", "缺件": "missing parts",
    "不工作": "not working faulty", "不能用": "not working faulty", "没反应": "not working faulty",
    "开不了机": "won't turn on faulty", "充不进电": "won't charge faulty battery", "质量问题": "quality defect faulty",
    "瑕疵": "defect", "次品": "defective faulty", "维修": "repair", "修理": "repair", "补发": "replacement resend",
    "换新": "replacement", "拍照": "photo", "照片": "photo",
    # delivery and shipping
    "几天": "how many days", "到货": "arrive delivery", "签收": "delivered signed",
    "派送": "delivery", "派送失败": "missed delivery", "没收到": "not received", "丢件": "lost parcel",
    "包裹": "parcel", "快递员": "courier", "自提点": "pickup point collect", "自提": "pickup collect",
    "门店自提": "collect in store click and collect", "次日达": "next day delivery", "当日达": "same-day delivery",
    "加急": "express", "关税": "customs import duties", "清关": "customs", "寄到": "ship to", "运到": "ship to",
    "国外": "abroad international", "澳大利亚": "australia", "加拿大": "canada", "美国": "US", "英国": "UK",
    "欧洲": "europe", "地址": "address", "改地址": "change delivery address", "修改地址": "change delivery address",
    "发货时间": "dispatch time", "截单": "cut-off time", "周末": "weekend", "周六": "saturday", "周日": "sunday",
    # warranty and after-sales
    "保修期": "warranty period", "三包": "warranty returns", "售后": "after-sales customer service",
    "人为损坏": "accidental damage", "意外损坏": "accidental damage", "磨损": "wear and tear",
    "小票": "receipt", "收据": "receipt", "购买凭证": "proof of purchase receipt", "凭证": "proof of purchase",
    # payment methods
    "付款方式": "payment methods", "支付方式": "payment methods", "信用卡": "credit card", "借记卡": "debit card",
    "银行卡": "card", "支付宝": "alipay", "微信支付": "wechat pay", "微信": "wechat", "苹果支付": "apple pay",
    "货到付款": "cash on delivery", "现金": "cash", "扣款": "charged", "扣费": "charged", "扣了两次": "charged twice",
    "重复扣款": "charged twice", "币种": "currency", "美元": "us dollars", "含税": "tax included", "税费": "tax",
    "先买后付": "buy now pay later", "免息": "interest-free", "比特币": "bitcoin", "加密货币": "crypto",
    # vouchers, codes, points, membership
    "代金券": "voucher", "红包": "voucher coupon", "满减": "spend and save discount", "折扣": "discount",
    "几折": "discount percent off", "叠加": "combine stack", "一起用": "combine use together", "同时使用": "combine use together",
    "兑换": "redeem", "抵扣": "redeem discount", "会员卡": "loyalty member card", "会员专享": "members only loyalty",
    "邀请好友": "refer a friend", "推荐好友": "refer a friend", "新人": "new customer", "首单": "first purchase",
    "生日": "birthday", "军人": "military", "老人": "senior",
    # sizes and fit
    "码数": "size", "偏大": "runs large", "偏小": "runs small", "合身": "fit", "尺码表": "size chart size guide",
    "尺码对照": "size conversion", "换算": "convert conversion", "美码": "US size", "欧码": "EU size", "英码": "UK size",
    "大一码": "size up", "小一码": "size down", "均码": "one size", "大码": "large L", "中码": "medium M", "小码": "small S",
    "加大号": "extra large XL", "特大号": "extra large XL", "身高": "height", "体重": "weight", "公斤": "kg",
    "胸围": "chest", "腰围": "waist", "脚长": "foot length",
    # stock and price
    "有现货": "in stock", "现货": "in stock", "卖完": "sold out", "售罄": "sold out", "断货": "out of stock",
    "没货": "out of stock", "预订": "pre-order", "预售": "pre-order", "上架": "listed available", "下架": "delisted",
    "库存量": "stock level", "剩余": "left remaining", "单价": "unit price", "原价": "list price", "现价": "current price",
    "售价": "price", "定价": "price", "降价": "price drop cheaper", "涨价": "price increase", "便宜": "cheap",
    "太贵": "expensive", "性价比": "value for money", "实惠": "affordable cheap", "预算": "budget", "以内": "under",
    "以下": "under", "详情": "details", "参数": "specs", "规格": "specs size", "材质": "material", "颜色": "colour",
    "牌子": "brand", "型号": "model", "重量": "weight",
    # trends, sales, rising and falling
    "上涨": "rising up", "下跌": "falling down", "涨还是跌": "up or down", "是涨是跌": "up or down", "环比": "week over week",
    "同比": "year over year", "周增长": "weekly growth", "增速": "growth rate", "暴涨": "surge spike", "暴跌": "crash falling sharply",
    "突增": "spike", "激增": "surge", "飙升": "surging rising fast", "回暖": "picking up recovering", "降温": "cooling off",
    "走低": "declining", "走高": "rising", "卖得火": "selling well hot", "爆了": "surging hot", "爆款": "best seller hot item",
    "旺季": "peak season", "淡季": "low season", "季节性": "seasonal", "异常": "anomaly unusual", "波动": "fluctuation",
    "显著": "significant", "置信区间": "confidence interval", "走势": "trend", "销量": "sales volume",
    "销售额": "revenue sales", "营收": "revenue", "收入": "revenue", "利润": "profit margin", "毛利": "margin",
    "点击": "clicks", "购买": "purchases buy", "转化": "conversion", "客单价": "average basket value", "业绩": "sales targets",
    # exposure
    "曝光度": "exposure", "展示次数": "impressions", "展示": "shown displayed", "零曝光": "never shown zero impressions",
    "没被展示": "never shown", "份额": "share", "占比": "share", "基尼系数": "gini coefficient", "基尼": "gini",
    "长尾": "long tail", "垄断": "dominate monopolise", "霸占": "hog dominate", "占据": "take dominate",
    "过度": "over too much", "不足": "under too little", "公平": "fair", "均匀": "even spread", "分布": "distribution",
    "坑位": "slots", "流量": "traffic exposure", "头部": "top head",
    # customers and segments
    "分层": "segment tier", "人群": "segment audience", "用户画像": "customer profile persona", "画像": "profile persona",
    "消费能力": "spending power", "消费": "spend", "高价值": "high-value", "高消费": "big spender",
    "价格敏感": "price sensitive", "沉睡": "lapsed dormant", "流失": "churn lapsed", "活跃": "active",
    "最近一次": "last time", "新客": "new customer", "老客": "regular returning customer", "回头客": "repeat customer",
    "忠诚": "loyal", "偏好": "preference favourite", "喜欢": "like favourite", "常买": "usually buy",
    "下单": "ordering", "几单": "how many orders", "花了多少": "how much spent",
    # promotion, bundles, clearance
    "大促": "big sale promotion", "主推": "feature push promote", "推广": "promote promotion", "营销": "marketing campaign",
    "限时": "limited time flash", "秒杀": "flash sale", "抢购": "flash sale", "特价": "special price deal",
    "捆绑": "bundle", "套餐": "bundle set", "组合": "bundle combination", "搭配": "pair with cross-sell",
    "买一送一": "buy one get one", "第二件半价": "second item half price", "满赠": "gift with purchase", "赠品": "free gift",
    "清库存": "clear stock clearance", "去库存": "clear stock clearance", "卖不动": "slow movers not selling",
    "动销": "sell-through", "尾货": "leftover stock", "过季": "end of season", "换季": "season change",
    "首页": "homepage", "横幅": "banner", "黑五": "black friday", "黑色星期五": "black friday", "圣诞": "christmas",
    "开学季": "back to school", "春季": "spring", "夏季": "summer", "冬季": "winter", "召回": "win back",
    # what-if simulation
    "权重": "weight", "提高": "increase raise", "调高": "raise", "降低": "lower", "调低": "lower demote",
    "加推": "push", "假如": "what if", "要是": "what if", "假设": "suppose what if", "会怎样": "what happens",
    "会怎么样": "what happens", "影响": "impact effect", "效果": "effect", "变化": "change", "抢量": "cannibalise", "抢": "steal cannibalise",
    "蚕食": "cannibalise", "挤占": "crowd out cannibalise",
    # recommendations and ranking
    "猜你喜欢": "recommended for you recommendations", "为你推荐": "for you recommendations", "个性化": "personalised",
    "登录": "log in sign in", "推荐列表": "recommendation list", "推荐结果": "recommendations", "得分": "score",
    "分数": "score", "打分": "score", "怎么算": "how computed", "组成": "components", "为何": "why", "凭什么": "why",
    "靠前": "higher ahead", "靠后": "lower behind", "排序": "ranking", "第一名": "first top", "差异": "difference",
    "区别": "difference", "压过": "beat outrank", "输给": "lose to",
    # assistant small talk
    "在吗": "are you there", "哈喽": "hello", "晚安": "good night", "再见": "bye", "机器人": "bot robot",
    "人工智能": "AI", "名字": "name",
    # services a shop may or may not offer, account and data
    "客服电话": "customer service phone number", "热线": "hotline phone", "在线客服": "live chat customer service",
    "人工客服": "human agent customer service", "实体店": "physical store shop", "礼品包装": "gift wrapping",
    "刻字": "engraving", "以旧换新": "trade-in", "安装": "installation", "组装": "assembly", "租赁": "rental rent",
    "出租": "rent", "订阅": "subscription subscribe", "增值税": "VAT", "企业": "company business", "批发": "wholesale bulk",
    "团购": "bulk group buying", "样品": "sample", "试用装": "sample", "无人机": "drone", "验证码": "verification code",
    "邮箱": "email", "邮件": "email", "手机号": "phone number", "修改密码": "change password", "找回密码": "reset password",
    "关闭": "turn off", "删除": "delete", "数据": "data",
    # care and safety
    "洗碗机": "dishwasher", "机洗": "machine wash", "手洗": "hand wash", "烘干": "tumble dry", "晾干": "air dry",
    "存放": "store storage", "储存": "storage store", "保存": "store keep", "保质期": "shelf life expiry", "生锈": "rust",
    "防水": "waterproof", "充电": "charge charging", "发烫": "hot overheating", "安全": "safe safety", "小零件": "small parts",
    "宝宝": "baby toddler", "幼儿": "toddler", "小孩": "child kids", "孩子": "child kids", "儿童": "children kids",
    "说明书": "manual instructions",
    # colours and sizes
    "黄色": "yellow", "紫色": "purple", "橙色": "orange", "棕色": "brown", "咖啡色": "brown", "金色": "gold",
    "银色": "silver", "卡其色": "khaki", "卡其": "khaki", "深蓝": "navy dark blue", "浅蓝": "light blue", "天蓝": "sky blue",
    "深灰": "dark grey", "浅灰": "light grey", "军绿": "olive green", "墨绿": "dark green", "酒红": "burgundy",
    "透明": "clear transparent", "彩色": "colourful",
    # common product types
    "电水壶": "kettle", "烧水壶": "kettle", "不粘锅": "non-stick frying pan", "铸铁锅": "cast iron pan",
    "杯子": "cup mug", "马克杯": "mug", "盘子": "plate", "餐具": "tableware", "毛巾": "towel", "床单": "bed sheets",
    "枕头": "pillow", "被子": "duvet", "音箱": "speaker", "音响": "speaker", "键盘": "keyboard",
    "笔记本电脑": "laptop", "电脑": "computer", "平板": "tablet", "手机壳": "phone case", "鞋子": "shoes",
    "靴子": "boot", "外套": "coat jacket", "衬衫": "shirt", "裙子": "dress skirt", "帽子": "hat", "袜子": "socks",
    "背包": "backpack", "书包": "school bag backpack", "钱包": "wallet", "口红": "lipstick", "香水": "perfume",
    "洗发水": "shampoo", "沐浴露": "body wash", "面膜": "face mask", "乳液": "lotion moisturiser", "猫粮": "cat food",
    "猫": "cat", "书": "book", "茶叶": "tea", "咖啡": "coffee", "咖啡机": "coffee machine", "研磨机": "grinder",
    "咖啡研磨机": "coffee grinder", "牛奶": "milk", "手电筒": "torch flashlight", "自行车": "bike bicycle",
    "泳衣": "swimsuit", "种子": "seeds", "绿植": "plants", "植物": "plants", "肥料": "fertiliser",
    # everyday words of the questions themselves
    "比较好": "better", "什么时候": "when", "最快": "fastest", "卖得好": "selling well", "更高": "higher",
    "排得更高": "ranked higher", "一前一后": "one ahead of the other", "怎么来的": "where does it come from",
    "出现": "appear", "审计": "audit", "集中度": "concentration", "位置": "position", "大部分": "most",
    "描述": "describe", "买家": "buyer", "档位": "band tier", "价格档位": "price band", "主要买": "mostly buy",
    "多久没来": "how long since last active", "适合": "suitable for", "礼物": "gift present", "送人": "gift",
    "帮忙包装": "gift wrapping", "做饭": "cooking", "烹饪": "cooking", "老爸": "dad", "爸爸": "dad", "妈妈": "mum",
    "老妈": "mum", "益智": "educational", "新手": "beginner", "跑步": "running", "鞋": "shoes", "收纳罐": "storage jar set",
    "收纳": "storage organiser", "敏感肌": "sensitive skin", "干皮": "dry skin", "油皮": "oily skin",
    "你是谁": "who are you", "你能做什么": "what can you do", "早上好": "good morning", "拜拜": "bye",
    "明白了": "got it", "好的": "ok", "收到": "received", "英文": "english", "中文": "chinese", "测试": "test",
    "买错了": "ordered the wrong one by mistake", "破了": "torn damaged", "保价": "price match price protection",
    "别家": "another shop elsewhere", "拉布拉多": "labrador", "多大": "what size", "怎么洗": "how to wash clean",
    "反馈": "report", "取货": "collect pickup", "不耐用": "does not last", "范围": "coverage", "抵": "off redeem",
    "块钱": "dollars", "起量": "picking up gaining traction", "怎么处理": "what to do how to handle", "点子": "ideas",
    "主意": "ideas", "方案": "plan proposal", "值得": "worth", "重点推": "push feature", "试试": "try", "试一下": "try",
    "掉色": "colour fading", "会掉": "drop lose", "少多少": "lose how much",
    "开胶": "sole coming apart defect", "缩水": "shrank shrinkage", "固定": "pinned fixed", "第一位": "first position",
    "起来了": "picking up", "走下坡路": "going downhill declining", "回升": "recovering bouncing back",
    "清掉": "clear", "清出去": "clear", "小朋友": "kids child", "女朋友": "girlfriend", "同事": "coworker colleague",
    "有卖": "sell", "忠实": "loyal", "平均": "average", "每单": "per purchase", "打开": "open", "第一眼": "first",
    "贵": "expensive", "优惠活动": "deals discounts promotion", "小狗": "puppy dog",
    "花呗": "pay later instalments", "刷卡": "pay by card", "浏览记录": "browsing history",
    "婴儿": "baby newborn", "几岁": "what age", "一起买": "bought together",
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
