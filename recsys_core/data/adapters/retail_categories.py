"""Categories for the Online Retail catalogue, derived from description keywords.

The source has no categories. Each product gets ``"gift-ware > <group>"`` for the first rule
(in order) with a keyword that appears as a whole word in its title, else plain ``"gift-ware"``.
Order matters: "CHRISTMAS CANDLE" is christmas, "LUNCH BAG" is bags & storage.
"""

from __future__ import annotations

import re

import pandas as pd

ROOT = "gift-ware"
# (group, comma-separated keywords), first match wins
RULES: tuple[tuple[str, str], ...] = (
    ("christmas", "CHRISTMAS, XMAS, ADVENT, SANTA, REINDEER, SNOWFLAKE, SNOWMAN, BAUBLE, NATIVITY"),
    ("easter", "EASTER, BUNNY, CHICK, CHICKS"),
    (
        "jewellery & accessories",
        "NECKLACE, EARRINGS, BRACELET, RING, CHARM, BEAD, BEADS, DIAMANTE, BROOCH, HAIR, PURSE, UMBRELLA, BLING, JEWELLED, JEWELLERY, KEYRING, HAIRCLIP, HAIRCLIPS, BADGE, BADGES, HAT, SCARF",
    ),
    ("crafts & sewing", "SEWING, NEEDLE, KNITTING, FELTCRAFT, CROCHET, CRAFT, STENCIL"),
    ("party", "PARTY, BUNTING, BIRTHDAY, BALLOON, BALLOONS, CONFETTI, GARLAND, NAPKINS"),
    (
        "candles & lighting",
        "CANDLE, CANDLES, T-LIGHT, T-LIGHTS, TEALIGHT, LANTERN, LIGHT, LIGHTS, LAMP, INCENSE, NIGHTLIGHT, LAMPSHADE, CANDLEHOLDER",
    ),
    (
        "bags & storage",
        "BAG, BAGS, BOX, BOXES, BASKET, STORAGE, CASE, CASES, HOLDALL, SHOPPER, BACKPACK, HANDBAG, WASHBAG, LUGGAGE, BIN",
    ),
    (
        "kitchen & dining",
        "MUG, MUGS, CUP, CUPS, PLATE, PLATES, BOWL, BOWLS, TEAPOT, TEA, COFFEE, CAKE, CAKES, CUTLERY, KITCHEN, LUNCH, JAM, JAR, JARS, APRON, BAKING, TRAY, DISH, SPOON, SPOONS, PANTRY, TIN, TINS, GLASSES, BEAKER, CAKESTAND, EGG, JUG, PLACEMAT, PLACEMATS, COASTER, COASTERS, NAPKIN, PAN, COOKIE, STRAWS, FLASK, MILKSHAKE",
    ),
    (
        "stationery & cards",
        "CARD, CARDS, WRAP, PAPER, NOTEBOOK, PENCIL, PENCILS, PEN, PENS, STICKERS, STICKER, TAPE, RIBBON, RIBBONS, ENVELOPE, ENVELOPES, CALENDAR, BOOK, JOURNAL, NOTEPAD, ERASER, STAMP, TISSUES",
    ),
    (
        "toys & games",
        "TOY, TOYS, GAME, GAMES, JIGSAW, DOLL, DOLLY, PLAYHOUSE, CHILDRENS, KIDS, BALL, CRAYONS, SKIPPING, SOLDIER, SPACEBOY, PUZZLE, TEDDY, PUPPET, DOMINOES, SPINNING",
    ),
    (
        "garden & outdoor",
        "GARDEN, PLANT, PLANTER, WATERING, BIRD, BIRDHOUSE, FEEDER, DOORMAT, PARASOL, HERB, POT, POTS, GNOME, PICNIC",
    ),
    (
        "home textiles",
        "CUSHION, COVER, THROW, BLANKET, TOWEL, TOWELS, QUILT, HOT WATER BOTTLE, CURTAIN",
    ),
    (
        "home decor",
        "SIGN, CLOCK, FRAME, MIRROR, DECORATION, DECORATIONS, HOOK, HOOKS, HANGER, WALL, ORNAMENT, DOORSTOP, VASE, KNOB, CABINET, TILE, RACK, PLAQUE, WREATH, HEART, HOLDER, DRAWER, SHELF, PICTURE, PHOTO, ALBUM, ART, LETTERS, MAGNETS, MAGNET, STOOL, SEAT",
    ),
)


def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    # whole words: "RING" must not match "EARRINGS" or "STRING"
    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"(?<![A-Z0-9-])(?:{alternatives})(?![A-Z0-9-])")


PATTERNS = tuple(
    (group, _pattern(tuple(w.strip() for w in words.split(",")))) for group, words in RULES
)


def retail_category(titles: pd.Series) -> pd.Series:
    """``"gift-ware > <group>"`` per title by the first matching rule, else ``"gift-ware"``."""
    upper = titles.fillna("").astype(str).str.upper()
    out = pd.Series(ROOT, index=titles.index, dtype="object")
    open_ = pd.Series(True, index=titles.index)
    for group, pattern in PATTERNS:
        hit = open_ & upper.str.contains(pattern)
        out[hit] = f"{ROOT} > {group}"
        open_ &= ~hit
    return out.astype("string")
