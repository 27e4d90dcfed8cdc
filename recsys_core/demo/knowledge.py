"""The demo shop's knowledge base: ~40 markdown help and policy documents.

Every number comes from ``FACTS`` so documents never contradict each other, and the facts
are saved in the ground truth so answers built on retrieval can be checked.
"""

from __future__ import annotations

from recsys_core.demo.scenario import Promotion
from recsys_core.demo.vocab import CATEGORIES

FACTS: dict[str, object] = {
    "return_window_days": 30,
    "fashion_return_window_days": 60,
    "refund_business_days": 5,
    "restocking_fee_percent_opened_electronics": 10,
    "return_label_fee": 4.95,
    "damage_report_days": 7,
    "free_shipping_threshold": 50,
    "standard_shipping_fee": 4.99,
    "standard_delivery_business_days": "3-5",
    "express_shipping_fee": 12.99,
    "express_delivery_business_days": "1-2",
    "express_cutoff_utc": "14:00",
    "international_shipping_fee": 19.99,
    "international_delivery_business_days": "7-14",
    "warranty_months": 12,
    "electronics_warranty_months": 24,
    "extended_warranty_years": 3,
    "extended_warranty_price_percent": 15,
    "pay_later_minimum": 100,
    "pay_later_instalments": 3,
    "price_match_days": 14,
    "cancellation_window_hours": 1,
    "gift_card_validity_years": 5,
    "loyalty_points_per_dollar": 1,
    "loyalty_points_per_5_dollars_off": 100,
    "data_retention_years": 3,
    "account_deletion_days": 30,
    "password_link_hours": 24,
    "promo_codes_per_order": 1,
}

F = FACTS


def _doc(doc_id: str, topic: str, title: str, intro: str, sections: list[tuple[str, str]]) -> dict[str, str]:
    body = f"# {title}\n\n{intro}\n\n" + "\n\n".join(f"## {h}\n\n{text}" for h, text in sections)
    return {"doc_id": doc_id, "title": title, "body": body, "topic": topic}


def _policy_docs(promo: Promotion, promo_dates: tuple[str, str]) -> list[dict[str, str]]:
    start, end = promo_dates
    pct = round(promo.discount * 100)
    return [
        _doc("returns-policy", "returns", "Returns policy",
             f"You can return most items within {F['return_window_days']} days of delivery.",
             [("Who can return", f"Any customer can return unused items in their original packaging within {F['return_window_days']} days of delivery. Fashion items can be returned within {F['fashion_return_window_days']} days."),
              ("What cannot be returned", "Opened grocery items, opened beauty products and personalised items cannot be returned unless they arrived damaged or faulty."),
              ("Opened electronics", f"Opened electronics in working order can be returned within {F['return_window_days']} days subject to a {F['restocking_fee_percent_opened_electronics']}% restocking fee."),
              ("How to start a return", "Open Orders in your account, choose the item and select Return. You will receive a prepaid label by email.")]),
        _doc("refunds", "returns", "Refunds",
             f"Refunds are issued to the original payment method within {F['refund_business_days']} business days of the return reaching our warehouse.",
             [("Timing", f"We inspect returns on arrival and issue the refund within {F['refund_business_days']} business days. Your bank may take a few more days to show it."),
              ("Shipping costs", f"Original shipping fees are refunded only when the item was damaged or faulty. A return label costs ${F['return_label_fee']}, deducted from the refund; loyalty members return for free."),
              ("Promotional prices", "Items bought at a promotional price are refunded at the price you paid, not the list price.")]),
        _doc("exchanges", "returns", "Exchanges",
             "Need another size or colour? Exchanges are free within the return window.",
             [("How exchanges work", f"Request an exchange within {F['return_window_days']} days ({F['fashion_return_window_days']} for fashion). We ship the replacement as soon as the original is scanned by the carrier."),
              ("Out-of-stock replacements", "If the replacement is out of stock we refund you instead; we do not accept backorders.")]),
        _doc("damaged-or-faulty-items", "returns", "Damaged or faulty items",
             f"Report damaged or faulty items within {F['damage_report_days']} days of delivery.",
             [("Reporting", f"Send a photo of the damage and the packaging through the Help page within {F['damage_report_days']} days of delivery."),
              ("What we do", "We send a free replacement or a full refund including shipping costs; you do not pay for the return label."),
              ("Faults after the first week", f"Faults that appear later are covered by the {F['warranty_months']}-month warranty ({F['electronics_warranty_months']} months for electronics).")]),
        _doc("return-shipping", "returns", "Return shipping",
             "Every return uses a prepaid tracked label.",
             [("Label cost", f"The label costs ${F['return_label_fee']} and is deducted from your refund. It is free for loyalty members and for damaged or faulty items."),
              ("Drop-off", "Drop the parcel at any partner parcel shop; keep the receipt until your refund arrives.")]),
        _doc("shipping-options", "shipping", "Shipping options and delivery times",
             "We ship every order from our own warehouse.",
             [("Standard shipping", f"${F['standard_shipping_fee']}, delivered in {F['standard_delivery_business_days']} business days. Free on orders over ${F['free_shipping_threshold']}."),
              ("Express shipping", f"${F['express_shipping_fee']}, delivered in {F['express_delivery_business_days']} business days when you order before {F['express_cutoff_utc']} UTC."),
              ("International shipping", f"${F['international_shipping_fee']}, delivered in {F['international_delivery_business_days']} business days.")]),
        _doc("free-shipping", "shipping", "Free shipping",
             f"Standard shipping is free on orders over ${F['free_shipping_threshold']}.",
             [("What counts", f"The order total after discounts must be over ${F['free_shipping_threshold']}; gift cards count as payment, not as discount."),
              ("Express orders", "Free shipping does not apply to express or international delivery.")]),
        _doc("international-shipping", "shipping", "International shipping",
             f"We ship to most countries for a flat ${F['international_shipping_fee']}.",
             [("Delivery time", f"International parcels arrive in {F['international_delivery_business_days']} business days."),
              ("Duties and taxes", "Import duties and local taxes are paid by the recipient on delivery."),
              ("Returns from abroad", f"The {F['return_window_days']}-day return window applies; return postage from abroad is paid by the customer.")]),
        _doc("order-tracking", "shipping", "Tracking your order",
             "Every parcel is tracked from our warehouse to your door.",
             [("Tracking link", "You receive a tracking link by email when your order is dispatched."),
              ("Where is my order?", f"Standard parcels arrive in {F['standard_delivery_business_days']} business days and express parcels in {F['express_delivery_business_days']}. Contact us if tracking has not updated for 3 business days.")]),
        _doc("delivery-problems", "shipping", "Delivery problems",
             "Missed a delivery or received the wrong item? Here is what to do.",
             [("Missed delivery", "The carrier leaves a card and tries again the next business day; after two attempts the parcel waits 7 days at the local depot."),
              ("Wrong or missing item", f"Tell us within {F['damage_report_days']} days of delivery and we will send the missing item free of charge.")]),
        _doc("warranty-overview", "warranty", "Warranty overview",
             f"Every product comes with a {F['warranty_months']}-month warranty against manufacturing defects.",
             [("Coverage", f"Manufacturing defects are covered for {F['warranty_months']} months from delivery; electronics for {F['electronics_warranty_months']} months."),
              ("Not covered", "Wear and tear, accidental damage, misuse and cosmetic damage are not covered."),
              ("Proof of purchase", "Your order number is your proof of purchase; no paper receipt is needed.")]),
        _doc("electronics-warranty", "warranty", "Electronics warranty",
             f"Electronics carry a {F['electronics_warranty_months']}-month warranty.",
             [("Batteries", f"Batteries are covered for {F['warranty_months']} months if they hold less than 70% of their original charge."),
              ("Repairs", "We repair or replace faulty devices free of charge, usually within 10 business days.")]),
        _doc("extended-warranty", "warranty", "Extended warranty",
             f"Extend the warranty to {F['extended_warranty_years']} years on any item over $50.",
             [("Price", f"The extended warranty costs {F['extended_warranty_price_percent']}% of the item price and must be bought with the item."),
              ("Cancellation", f"You can cancel the extended warranty within {F['return_window_days']} days for a full refund.")]),
        _doc("warranty-claims", "warranty", "Making a warranty claim",
             "Claims are made online in a few minutes.",
             [("Steps", "Open Orders, select the item, choose Warranty claim, describe the fault and attach a photo or video."),
              ("Outcome", "We reply within 2 business days with a repair, a replacement or a refund.")]),
        _doc("payment-methods", "payment", "Payment methods",
             "We accept Visa, Mastercard, American Express, PayPal and our gift cards.",
             [("When you are charged", "Cards are authorised when you order and charged when the order is dispatched."),
              ("Currency", "All prices are in US dollars and include sales tax where applicable.")]),
        _doc("pay-later", "payment", "Pay later in instalments",
             f"Spread orders over ${F['pay_later_minimum']} into {F['pay_later_instalments']} interest-free instalments.",
             [("Eligibility", f"Orders over ${F['pay_later_minimum']} qualify, subject to an instant credit check."),
              ("Schedule", f"The first of {F['pay_later_instalments']} instalments is taken at dispatch and the others every 30 days.")]),
        _doc("gift-cards", "payment", "Gift cards",
             f"Gift cards are valid for {F['gift_card_validity_years']} years from purchase.",
             [("Using a gift card", "Enter the card code at checkout; any remaining balance stays on the card."),
              ("Refunds", "Gift cards cannot be exchanged for cash; items paid with a gift card are refunded to a new gift card.")]),
        _doc("price-match", "payment", "Price match promise",
             f"Found it cheaper within {F['price_match_days']} days of buying? We refund the difference.",
             [("Conditions", f"The identical item must be in stock at a major online retailer within {F['price_match_days']} days of your purchase."),
              ("Exclusions", "Marketplace sellers, clearance sales and our own promotions are excluded.")]),
        _doc("order-cancellation", "payment", "Cancelling an order",
             f"You can cancel an order within {F['cancellation_window_hours']} hour of placing it.",
             [("How", "Open Orders and choose Cancel; the card authorisation is released immediately."),
              ("After dispatch", f"Once dispatched, an order can no longer be cancelled; return it within {F['return_window_days']} days instead.")]),
        _doc("clothing-size-guide", "sizing", "Clothing size guide",
             "Our clothing runs true to size; measure yourself and compare with the table.",
             [("Sizes", "| size | chest (cm) | waist (cm) |\n|---|---|---|\n| XS | 82-87 | 66-71 |\n| S | 88-95 | 72-79 |\n| M | 96-103 | 80-87 |\n| L | 104-111 | 88-95 |\n| XL | 112-119 | 96-103 |"),
              ("Between sizes", "Choose the larger size for oversized or relaxed fits, the smaller one for slim-fit styles."),
              ("Exchanges", f"Wrong size? Fashion exchanges are free within {F['fashion_return_window_days']} days.")]),
        _doc("shoe-size-guide", "sizing", "Shoe size guide",
             "Shoes are sold in EU sizes 38 to 46.",
             [("Conversion", "| EU | US men | UK | foot length (cm) |\n|---|---|---|---|\n| 38 | 5.5 | 5 | 24.0 |\n| 40 | 7 | 6.5 | 25.3 |\n| 42 | 8.5 | 8 | 26.7 |\n| 44 | 10 | 9.5 | 28.0 |\n| 46 | 12 | 11 | 29.3 |"),
              ("Running shoes", "For running shoes we recommend half a size up to leave room for swelling on long runs.")]),
        _doc("pet-product-sizing", "sizing", "Pet product sizing",
             "Pet beds and accessories come in small, medium and large.",
             [("Sizes by weight", "Small fits pets up to 10 kg, medium 10-25 kg and large over 25 kg."),
              ("Measuring", "Measure your pet from nose to tail base while lying down and add 15 cm for beds.")]),
        _doc("privacy-policy", "privacy", "Privacy policy",
             "We collect only what we need to run your orders and improve the shop.",
             [("What we keep", f"Order history, addresses and browsing on our site, kept for {F['data_retention_years']} years after your last order."),
              ("Recommendations", "Your views and purchases personalise recommendations and search; you can switch personalisation off in Account settings."),
              ("We never sell data", "We never sell personal data. Payment details are handled by our card processor and never stored by us.")]),
        _doc("cookies", "privacy", "Cookies",
             "We use cookies to keep you signed in and to measure how the shop is used.",
             [("Choices", "Only essential cookies are set until you accept analytics cookies in the banner."),
              ("Duration", "Analytics cookies expire after 13 months.")]),
        _doc("creating-an-account", "account", "Creating an account",
             "An account keeps your orders, returns and loyalty points in one place.",
             [("Sign up", "Sign up with your email address and a password of at least 10 characters."),
              ("Guest checkout", "You can also check out as a guest; guest orders can be linked to a new account later.")]),
        _doc("password-reset", "account", "Resetting your password",
             f"Reset links are valid for {F['password_link_hours']} hours.",
             [("Steps", "Choose Forgot password on the sign-in page and follow the emailed link."),
              ("Security", "Turn on two-factor authentication in Account settings for extra protection.")]),
        _doc("deleting-your-account", "account", "Deleting your account",
             f"We delete your account and personal data within {F['account_deletion_days']} days of your request.",
             [("What happens", f"Open orders are completed first; records we must keep for tax purposes are retained for up to {F['data_retention_years']} years."),
              ("Loyalty points", "Unused loyalty points are lost when the account is deleted.")]),
        _doc("promo-codes", "promotions", "Promo codes",
             f"Only {F['promo_codes_per_order']} promo code can be used per order.",
             [("Using a code", "Enter the code at checkout; the discount appears before you pay."),
              ("Sale items", "Promo codes cannot be combined with items that are already on sale.")]),
        _doc("loyalty-programme", "promotions", "Loyalty programme",
             f"Earn {F['loyalty_points_per_dollar']} point per dollar spent; {F['loyalty_points_per_5_dollars_off']} points give $5 off.",
             [("Joining", "Membership is free; join from your account page."),
              ("Member benefits", "Members get free return labels and early access to seasonal sales.")]),
        _doc("seasonal-sale", "promotions", f"{promo.category.title()} sale: {pct}% off",
             f"From {start} to {end} every {promo.category} product is {pct}% off its list price.",
             [("Dates", f"The sale runs from {start} to {end} (inclusive), while stocks last."),
              ("Discount", f"{pct}% off the list price of every item in the {promo.category} category; the discount is applied automatically."),
              ("Returns", f"Sale items follow the normal {F['return_window_days']}-day returns policy and are refunded at the price paid.")]),
        _doc("out-of-stock-items", "shipping", "Out-of-stock items",
             "Items marked out of stock cannot be added to the basket.",
             [("Back-in-stock alerts", "Choose Notify me on the product page and we email you when it is back."),
              ("Backorders", "We do not take backorders or pre-orders.")]),
    ]


CARE: dict[str, tuple[str, str]] = {
    "outdoor": ("Dry tents and sleeping bags fully within 24 hours of a trip to prevent mildew; reproof waterproof fabrics every season.",
                "Store sleeping bags loose in a large cotton sack, never compressed."),
    "electronics": ("Charge batteries between 20% and 80% for the longest life and use the supplied cable or a certified usb-c cable.",
                    "Keep devices away from temperatures above 35 °C; waterproof devices are rated IPX7 (30 minutes at 1 m)."),
    "home and kitchen": ("Hand-wash cast iron and season it with a thin layer of oil; non-stick pans last longer without metal utensils.",
                         "Dry knives immediately and sharpen them every 3 months."),
    "beauty": ("Keep products below 25 °C and away from sunlight; most products are best used within 12 months of opening.",
               "Patch-test new skincare on the inner arm 24 hours before first use."),
    "fashion": ("Wash at 30 °C inside out with similar colours; dry merino wool flat.",
                "Reproof rain jackets after about 10 washes."),
    "sports": ("Wipe yoga mats with mild soapy water after each session and let them air-dry out of direct sun.",
               "Replace running shoes every 600-800 km."),
    "toys": ("Wipe wooden toys with a damp cloth; never soak them.",
             "Check toys for loose parts regularly; small parts are not suitable for children under 3."),
    "books": ("Store books upright away from direct sunlight and humidity above 60%.",
              "Use a bookmark instead of folding pages to keep bindings intact."),
    "garden": ("Drain and coil hoses before the first frost; oil pruning shears after use.",
               "Bring terracotta planters indoors in winter to prevent cracking."),
    "pet": ("Machine-wash pet bed covers at 40 °C every two weeks.",
            "Replace chew toys as soon as pieces start to come off."),
    "grocery": ("Store coffee beans and tea in an airtight container away from light and use within 4 weeks of opening.",
                "Keep olive oil in a cool, dark cupboard and use within 3 months of opening."),
    "office": ("Refill pens and planners with the matching refills listed on each product page.",
               "Adjust monitor stands so the top of the screen sits at eye level."),
}


def _care_docs() -> list[dict[str, str]]:
    docs = []
    for spec in CATEGORIES:
        clean, keep = CARE[spec.name]
        nouns = ", ".join(n for n, _ in spec.nouns[:4])
        warranty = F["electronics_warranty_months"] if spec.name == "electronics" else F["warranty_months"]
        window = F["fashion_return_window_days"] if spec.name == "fashion" else F["return_window_days"]
        docs.append(_doc(
            f"care-{spec.name.replace(' ', '-')}", "care", f"Care guide: {spec.name}",
            f"How to look after your {spec.name} products ({nouns} and more).",
            [("Materials", f"Our {spec.name} range uses {', '.join(spec.materials)}."),
             ("Cleaning and use", clean),
             ("Storage", keep),
             ("Warranty and returns", f"{spec.name.capitalize()} products carry a {warranty}-month warranty and can be returned within {window} days.")],
        ))
    return docs


def knowledge_base(promo: Promotion, promo_dates: tuple[str, str]) -> list[dict[str, str]]:
    """All documents: policies, size guides, the sale page and one care guide per category."""
    return _policy_docs(promo, promo_dates) + _care_docs()
