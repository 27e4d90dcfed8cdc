"""Word lists and price levels for the demo catalogue's twelve categories.

Each category lists its product nouns in *journey order*: a shopper who buys one noun tends
to come back for the next ones (tent -> sleeping bag -> camping stove), which is the
item-to-item structure collaborative and sequential models can learn.
"""

from __future__ import annotations

from dataclasses import dataclass

TIERS: tuple[str, ...] = ("budget", "mid", "premium")
TIER_PRICE_FACTOR: dict[str, float] = {"budget": 0.65, "mid": 1.0, "premium": 1.7}

COLOURS: tuple[str, ...] = (
    "black", "white", "grey", "navy", "red", "green", "blue", "beige", "olive", "pink",
)


@dataclass(frozen=True)
class CategorySpec:
    """What products of one category are made of and cost."""

    name: str
    share: float  # share of the catalogue
    median_price: float  # log-normal median for a mid-tier product of multiplier 1
    price_sigma: float
    brands: tuple[tuple[str, str], ...]  # (brand, tier)
    nouns: tuple[tuple[str, float], ...]  # (product noun, price multiplier), journey order
    adjectives: tuple[str, ...]
    materials: tuple[str, ...]
    uses: tuple[str, ...]  # "for ..." phrases for descriptions
    size_kind: str  # "apparel", "volume", "dimensions", "weight", "pages", "none"
    flags: tuple[str, ...] = ()  # boolean attributes (waterproof, ...)
    coloured: bool = True
    bulk_lambda: float = 0.1  # Poisson mean of extra units per purchase
    return_rate: float = 0.05


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        "outdoor", 0.10, 60.0, 0.45,
        (("Trailhead", "budget"), ("Ridgeway", "budget"), ("Northpeak", "mid"),
         ("Cascadia", "mid"), ("Summit Forge", "premium"), ("Alpenglow", "premium")),
        (("tent", 3.0), ("sleeping bag", 1.6), ("sleeping pad", 0.8), ("camping stove", 1.0),
         ("headlamp", 0.4), ("hiking backpack", 1.5), ("water filter", 0.6), ("trekking poles", 0.7)),
        ("lightweight", "weatherproof", "compact", "rugged", "insulated", "packable"),
        ("ripstop nylon", "polyester", "aluminium", "titanium"),
        ("weekend camping trips", "backcountry hiking", "festival camping", "alpine treks"),
        "dimensions", ("waterproof",),
        return_rate=0.06,
    ),
    CategorySpec(
        "electronics", 0.10, 80.0, 0.6,
        (("Voltix", "budget"), ("Nexon", "budget"), ("Aurend", "mid"), ("Lumio", "mid"),
         ("Sonaro", "premium"), ("Quantix", "premium")),
        (("wireless earbuds", 0.9), ("bluetooth speaker", 1.0), ("phone charger", 0.3),
         ("power bank", 0.5), ("smartwatch", 2.2), ("usb-c cable", 0.15), ("tablet stand", 0.35),
         ("noise-cancelling headphones", 2.5)),
        ("wireless", "fast-charging", "compact", "smart", "portable", "slim"),
        ("aluminium", "ABS plastic", "silicone", "tempered glass"),
        ("commuting", "home office work", "travel", "workouts"),
        "none", ("waterproof", "bluetooth"),
        return_rate=0.07,
    ),
    CategorySpec(
        "home and kitchen", 0.10, 35.0, 0.5,
        (("Casa Verde", "budget"), ("Hearthly", "budget"), ("Kitchenry", "mid"), ("Oakmere", "mid"),
         ("Maison Fer", "premium"), ("Copperline", "premium")),
        (("frying pan", 1.0), ("saucepan", 1.1), ("chef knife", 1.0), ("cutting board", 0.5),
         ("mixing bowl set", 0.6), ("coffee grinder", 1.4), ("french press", 0.8), ("storage jar set", 0.5)),
        ("non-stick", "stainless", "heavy-duty", "dishwasher-safe", "classic", "modern"),
        ("stainless steel", "cast iron", "bamboo", "borosilicate glass"),
        ("everyday cooking", "weekend baking", "small kitchens", "family meals"),
        "dimensions", ("dishwasher safe",),
    ),
    CategorySpec(
        "beauty", 0.09, 18.0, 0.5,
        (("Glowra", "budget"), ("Purelle", "budget"), ("Dewlab", "mid"), ("Botaniq", "mid"),
         ("Maison Lumiere", "premium"), ("Velour Skin", "premium")),
        (("facial cleanser", 0.8), ("toner", 0.8), ("vitamin c serum", 1.5), ("moisturiser", 1.2),
         ("sunscreen spf 50", 0.9), ("night cream", 1.4), ("lip balm", 0.3), ("eye cream", 1.3)),
        ("hydrating", "gentle", "fragrance-free", "brightening", "soothing", "organic"),
        ("aloe vera", "hyaluronic acid", "shea butter", "niacinamide"),
        ("dry skin", "sensitive skin", "daily routines", "oily skin"),
        "volume", ("vegan",), coloured=False, bulk_lambda=0.25,
    ),
    CategorySpec(
        "fashion", 0.10, 40.0, 0.5,
        (("Threadly", "budget"), ("Urbanite", "budget"), ("Norde", "mid"), ("Loomhouse", "mid"),
         ("Atelier Ro", "premium"), ("Vanta", "premium")),
        (("t-shirt", 0.5), ("jeans", 1.2), ("hoodie", 1.0), ("rain jacket", 2.0), ("sneakers", 1.8),
         ("belt", 0.5), ("wool scarf", 0.6), ("chinos", 1.1)),
        ("slim-fit", "relaxed", "classic", "oversized", "breathable", "everyday"),
        ("organic cotton", "denim", "merino wool", "recycled polyester"),
        ("everyday wear", "the office", "weekends", "travel"),
        "apparel", ("waterproof",),
        return_rate=0.15,
    ),
    CategorySpec(
        "sports", 0.08, 35.0, 0.55,
        (("Strivo", "budget"), ("Pacer", "budget"), ("Kinetik", "mid"), ("Apexa", "mid"),
         ("Velocita", "premium"), ("Ironclad", "premium")),
        (("yoga mat", 0.8), ("resistance bands", 0.4), ("dumbbell set", 1.8), ("foam roller", 0.6),
         ("running shoes", 2.4), ("water bottle", 0.4), ("gym bag", 1.0), ("jump rope", 0.3)),
        ("non-slip", "adjustable", "lightweight", "durable", "pro", "eco"),
        ("TPE foam", "natural rubber", "neoprene", "stainless steel"),
        ("home workouts", "yoga practice", "running", "gym sessions"),
        "dimensions", (),
    ),
    CategorySpec(
        "toys", 0.08, 25.0, 0.55,
        (("Playnest", "budget"), ("Tinker Tots", "budget"), ("Brickwise", "mid"), ("Wonderbox", "mid"),
         ("Heirloom Toys", "premium"), ("Little Atlas", "premium")),
        (("building blocks", 1.2), ("puzzle", 0.6), ("plush bear", 0.6), ("toy car set", 0.8),
         ("science kit", 1.4), ("board game", 1.0), ("art set", 0.7), ("train set", 1.8)),
        ("educational", "colourful", "wooden", "classic", "creative", "award-winning"),
        ("beech wood", "BPA-free plastic", "recycled cardboard", "soft cotton"),
        ("ages 3 and up", "ages 6 and up", "family game nights", "rainy afternoons"),
        "none", (),
    ),
    CategorySpec(
        "books", 0.07, 16.0, 0.35,
        (("Inkwell Press", "budget"), ("Paperlane", "budget"), ("Northlight Books", "mid"),
         ("Margin House", "mid"), ("Folio & Quill", "premium"), ("Atlas Editions", "premium")),
        (("cookbook", 1.2), ("travel guide", 1.0), ("mystery novel", 0.8), ("science fiction novel", 0.8),
         ("history book", 1.1), ("children's picture book", 0.7), ("self-help book", 0.9), ("poetry collection", 0.7)),
        ("bestselling", "illustrated", "award-winning", "classic", "new", "collector's"),
        ("paperback", "hardcover", "recycled paper", "cloth binding"),
        ("curious readers", "long commutes", "bedtime reading", "gift giving"),
        "pages", (), coloured=False,
    ),
    CategorySpec(
        "garden", 0.07, 30.0, 0.55,
        (("Greenroot", "budget"), ("Sproutly", "budget"), ("Fernhill", "mid"), ("Terracraft", "mid"),
         ("Hortensia", "premium"), ("Edenworks", "premium")),
        (("planter pot", 0.6), ("potting soil", 0.4), ("pruning shears", 0.7), ("garden hose", 1.0),
         ("watering can", 0.5), ("raised garden bed", 2.5), ("seed starter kit", 0.5), ("garden gloves", 0.3)),
        ("weatherproof", "heavy-duty", "ergonomic", "self-watering", "compact", "classic"),
        ("terracotta", "galvanised steel", "cedar wood", "recycled plastic"),
        ("balcony gardens", "vegetable patches", "indoor plants", "spring planting"),
        "dimensions", ("waterproof",),
    ),
    CategorySpec(
        "pet", 0.07, 22.0, 0.5,
        (("Pawsome", "budget"), ("Furbelle", "budget"), ("Tailwise", "mid"), ("Barkley & Co", "mid"),
         ("Noble Paw", "premium"), ("Whisker Lane", "premium")),
        (("dog bed", 1.8), ("dog leash", 0.6), ("dog food", 1.4), ("chew toy", 0.4), ("cat scratcher", 1.0),
         ("cat litter", 0.6), ("pet shampoo", 0.5), ("pet bowl", 0.4)),
        ("durable", "washable", "orthopaedic", "grain-free", "cosy", "reflective"),
        ("memory foam", "nylon", "natural rubber", "stainless steel"),
        ("small dogs", "large dogs", "indoor cats", "puppies"),
        "dimensions", (), bulk_lambda=0.35,
    ),
    CategorySpec(
        "grocery", 0.08, 9.0, 0.45,
        (("Harvest Lane", "budget"), ("Daily Pantry", "budget"), ("Green Basket", "mid"),
         ("Orchard & Oak", "mid"), ("Terroir Fine Foods", "premium"), ("Gold Leaf", "premium")),
        (("coffee beans", 1.6), ("green tea", 0.8), ("olive oil", 1.4), ("pasta", 0.4), ("granola", 0.7),
         ("dark chocolate", 0.5), ("honey", 0.9), ("mixed nuts", 1.0)),
        ("organic", "fair-trade", "single-origin", "gluten-free", "artisan", "roasted"),
        ("glass jar", "resealable pouch", "tin", "paper bag"),
        ("the pantry", "healthy snacking", "gifting", "everyday treats"),
        "weight", ("vegan",), coloured=False, bulk_lambda=0.6, return_rate=0.01,
    ),
    CategorySpec(
        "office", 0.06, 25.0, 0.55,
        (("Deskly", "budget"), ("Papyra", "budget"), ("Workform", "mid"), ("Ledger & Line", "mid"),
         ("Ergonova", "premium"), ("Studio Noir", "premium")),
        (("notebook", 0.4), ("gel pens", 0.3), ("desk organiser", 0.8), ("monitor stand", 1.5),
         ("desk lamp", 1.4), ("ergonomic mouse", 1.2), ("planner", 0.6), ("office chair cushion", 1.1)),
        ("ergonomic", "minimalist", "refillable", "adjustable", "premium", "compact"),
        ("recycled paper", "bamboo", "aluminium", "vegan leather"),
        ("home offices", "students", "daily planning", "long work days"),
        "none", (), bulk_lambda=0.2,
    ),
)

REGIONS: tuple[tuple[str, float], ...] = (
    ("north", 0.22), ("south", 0.2), ("east", 0.18), ("west", 0.25), ("central", 0.15),
)

# what each product type is plausibly made of (descriptions and the "material" attribute)
NOUN_MATERIALS: dict[str, tuple[str, ...]] = {
    "tent": ("ripstop nylon", "polyester"), "sleeping bag": ("down fill", "synthetic fill"),
    "sleeping pad": ("closed-cell foam", "ripstop nylon"), "camping stove": ("aluminium", "stainless steel"),
    "headlamp": ("ABS plastic", "aluminium"), "hiking backpack": ("ripstop nylon", "recycled polyester"),
    "water filter": ("BPA-free plastic", "hollow-fibre membrane"), "trekking poles": ("aluminium", "carbon fibre"),
    "wireless earbuds": ("ABS plastic", "silicone"), "bluetooth speaker": ("aluminium", "fabric mesh"),
    "phone charger": ("ABS plastic", "gallium nitride"), "power bank": ("aluminium", "ABS plastic"),
    "smartwatch": ("aluminium", "stainless steel"), "usb-c cable": ("braided nylon", "TPE"),
    "tablet stand": ("aluminium", "ABS plastic"), "noise-cancelling headphones": ("aluminium", "protein leather"),
    "frying pan": ("cast iron", "stainless steel"), "saucepan": ("stainless steel", "copper"),
    "chef knife": ("german steel", "damascus steel"), "cutting board": ("bamboo", "acacia wood"),
    "mixing bowl set": ("stainless steel", "borosilicate glass"), "coffee grinder": ("stainless steel", "ceramic burr"),
    "french press": ("borosilicate glass", "stainless steel"), "storage jar set": ("borosilicate glass", "bamboo"),
    "facial cleanser": ("aloe vera", "green tea extract"), "toner": ("rose water", "witch hazel"),
    "vitamin c serum": ("vitamin c", "hyaluronic acid"), "moisturiser": ("shea butter", "ceramides"),
    "sunscreen spf 50": ("zinc oxide", "aloe vera"), "night cream": ("retinol", "shea butter"),
    "lip balm": ("beeswax", "shea butter"), "eye cream": ("caffeine", "peptides"),
    "t-shirt": ("organic cotton", "recycled polyester"), "jeans": ("denim", "stretch denim"),
    "hoodie": ("organic cotton", "fleece"), "rain jacket": ("recycled polyester", "nylon"),
    "sneakers": ("leather", "canvas"), "belt": ("leather", "vegan leather"),
    "wool scarf": ("merino wool", "cashmere blend"), "chinos": ("cotton twill", "organic cotton"),
    "yoga mat": ("TPE foam", "natural rubber"), "resistance bands": ("natural latex", "fabric"),
    "dumbbell set": ("cast iron", "neoprene-coated iron"), "foam roller": ("EVA foam", "EPP foam"),
    "running shoes": ("engineered mesh", "knit"), "water bottle": ("stainless steel", "BPA-free plastic"),
    "gym bag": ("polyester", "canvas"), "jump rope": ("PVC", "steel cable"),
    "building blocks": ("BPA-free plastic", "beech wood"), "puzzle": ("recycled cardboard", "wood"),
    "plush bear": ("soft cotton", "recycled polyester"), "toy car set": ("die-cast metal", "beech wood"),
    "science kit": ("BPA-free plastic", "glass"), "board game": ("recycled cardboard", "wood"),
    "art set": ("wood", "non-toxic pigments"), "train set": ("beech wood", "die-cast metal"),
    "cookbook": ("paperback", "hardcover"), "travel guide": ("paperback", "flexibound"),
    "mystery novel": ("paperback", "hardcover"), "science fiction novel": ("paperback", "hardcover"),
    "history book": ("hardcover", "paperback"), "children's picture book": ("board book", "hardcover"),
    "self-help book": ("paperback", "hardcover"), "poetry collection": ("paperback", "cloth binding"),
    "planter pot": ("terracotta", "recycled plastic"), "potting soil": ("peat-free compost", "coco coir"),
    "pruning shears": ("carbon steel", "stainless steel"), "garden hose": ("reinforced PVC", "natural rubber"),
    "watering can": ("galvanised steel", "recycled plastic"), "raised garden bed": ("cedar wood", "galvanised steel"),
    "seed starter kit": ("recycled plastic", "coco coir"), "garden gloves": ("leather", "nitrile-coated cotton"),
    "dog bed": ("memory foam", "recycled polyester"), "dog leash": ("nylon", "leather"),
    "dog food": ("chicken", "salmon"), "chew toy": ("natural rubber", "nylon"),
    "cat scratcher": ("sisal", "recycled cardboard"), "cat litter": ("clumping clay", "wood pellets"),
    "pet shampoo": ("oatmeal", "aloe vera"), "pet bowl": ("stainless steel", "ceramic"),
    "coffee beans": ("arabica", "arabica and robusta"), "green tea": ("sencha", "jasmine"),
    "olive oil": ("extra virgin", "cold-pressed"), "pasta": ("durum wheat", "whole wheat"),
    "granola": ("oats and honey", "oats and nuts"), "dark chocolate": ("70% cocoa", "85% cocoa"),
    "honey": ("wildflower", "manuka"), "mixed nuts": ("roasted almonds", "cashews"),
    "notebook": ("recycled paper", "vegan leather"), "gel pens": ("recycled plastic", "aluminium"),
    "desk organiser": ("bamboo", "aluminium"), "monitor stand": ("aluminium", "bamboo"),
    "desk lamp": ("aluminium", "steel"), "ergonomic mouse": ("ABS plastic", "rubberised plastic"),
    "planner": ("recycled paper", "vegan leather"), "office chair cushion": ("memory foam", "gel foam"),
}

# boolean attributes that only make sense for some product types (absent = all of them)
FLAG_NOUNS: dict[str, frozenset[str]] = {
    "waterproof": frozenset({
        "tent", "sleeping bag", "hiking backpack", "headlamp", "rain jacket", "sneakers",
        "wireless earbuds", "bluetooth speaker", "smartwatch", "garden gloves",
    }),
    "bluetooth": frozenset({
        "wireless earbuds", "bluetooth speaker", "smartwatch", "noise-cancelling headphones",
    }),
    "dishwasher safe": frozenset({
        "frying pan", "saucepan", "mixing bowl set", "storage jar set", "french press",
    }),
}
TITLE_WORDS: dict[str, str] = {"spf": "SPF", "usb-c": "USB-C", "children's": "Children's"}
