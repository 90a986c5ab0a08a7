"""The sample's rows, generated from a fixed seed: names, addresses, products, orders, each
drawn from the vocabularies here (no data is copied from AdventureWorksLT).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from . import clr

SEED = 20240229


_CUSTOMERS = 850


_ADDRESSES = 450


_MAIN_OFFICE_ADDRESSES = 400  # customers 1..400 have a main office; 1..50 also ship elsewhere


_MODELS = 130


_PRODUCTS = 300


_ORDERS = 800


_CULTURES = ("en", "fr", "ar", "he", "th", "zh-cht")


def _lines_in_order(order_number: int) -> int:
    """Lines of one order, 40 to 90 (no RNG, so the total is known at import)."""
    return 40 + (order_number * 37) % 51


_TOP_CATEGORIES = ("Bikes", "Components", "Clothing", "Accessories")


_SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "Bikes": ("Trail Bikes", "Gravel Bikes", "City Bikes", "Cargo Bikes", "Kids Bikes"),
    "Components": (
        "Crank Sets",
        "Chain Rings",
        "Cassettes",
        "Derailleurs",
        "Disc Brakes",
        "Rim Brakes",
        "Frames",
        "Forks",
        "Rear Shocks",
        "Handlebars",
        "Stems",
        "Seat Posts",
        "Saddles",
        "Pedals",
        "Wheelsets",
        "Hubs",
    ),
    "Clothing": (
        "Jerseys",
        "Bib Shorts",
        "Rain Jackets",
        "Gloves",
        "Base Layers",
        "Arm Warmers",
        "Caps",
        "Overshoes",
    ),
    "Accessories": (
        "Helmet Lights",
        "Bottle Cages",
        "Pumps",
        "Tool Kits",
        "Saddle Bags",
        "Locks",
        "Mudguards",
        "Bike Racks",
    ),
}


_CATEGORY_CODES = {"Bikes": "BK", "Components": "CM", "Clothing": "CL", "Accessories": "AC"}


_NAME_HEADS = (
    "Al",
    "Bren",
    "Cal",
    "Dar",
    "El",
    "Fen",
    "Gar",
    "Hal",
    "Is",
    "Jo",
    "Ka",
    "Lor",
    "Mar",
    "Nor",
    "Or",
    "Pe",
    "Quin",
    "Ro",
    "Sa",
    "Ta",
    "Ul",
    "Ve",
    "Wil",
    "Yo",
    "Zé",
)


_NAME_TAILS = (
    "a",
    "an",
    "ette",
    "ia",
    "o",
    "en",
    "ric",
    "ina",
    "is",
    "as",
    "el",
    "ine",
    "ys",
    "ë",
)


_SURNAME_TAILS = (
    "son",
    "ford",
    "wood",
    "ley",
    "ton",
    "berg",
    "ström",
    "ñez",
    "ović",
    "ard",
    "mann",
    "well",
    "ridge",
    "ez",
)


_WORD_SYLLABLES = ("ka", "lo", "ve", "tra", "mi", "sen", "dor", "ri", "bel", "an", "quo", "zu")


_COMPANY_WORDS = ("Bikes", "Cycles", "Sports", "Outfitters", "Wheels", "Riders", "Supply")


_TITLES = ("Mr.", "Ms.", "Mrs.", "Dr.", None, None)


_SUFFIXES = ("Jr.", "Sr.", "II", "III")


_STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Way", "Boulevard", "Drive")


_REGIONS = (  # state or province, country or region, postal code pattern, its largest number
    ("Washington", "United States", "98{:03d}", 999),
    ("Oregon", "United States", "97{:03d}", 999),
    ("California", "United States", "9{:04d}", 6199),
    ("Texas", "United States", "7{:04d}", 9999),
    ("Ontario", "Canada", "K{:d}A 1B2", 9),
    ("British Columbia", "Canada", "V{:d}C 2N8", 9),
    ("Québec", "Canada", "H{:d}Z 3L1", 9),
    ("England", "United Kingdom", "SW{:d} 4QT", 20),
)


_COLORS = ("Black", "Red", "Silver", "Blue", "Yellow", "White", "Multi")


_VARIANTS = ("Sport", "Pro", "Elite")


_BIKE_SIZES = ("44", "48", "52", "56", "60")


_CLOTHING_SIZES = ("S", "M", "L", "XL")


_SHIP_METHODS = ("GROUND FREIGHT", "EXPRESS AIR", "OVERNIGHT COURIER", "CARGO TRANSPORT 3")


_DISCOUNT_PERCENTS = (0, 0, 0, 0, 0, 2, 5, 10, 15, 20)


_DESCRIPTION_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "light",
        "stiff",
        "fast",
        "durable",
        "comfortable",
        "frame",
        "ride",
        "climbs",
        "all-weather",
        "for",
        "long",
        "days",
        "trail",
        "road",
        "tested",
    ),
    "fr": (
        "léger",
        "rigide",
        "rapide",
        "durable",
        "confortable",
        "cadre",
        "pour",
        "les",
        "longues",
        "sorties",
        "sentier",
        "éprouvé",
    ),
    "ar": ("دراجة", "خفيفة", "سريعة", "متينة", "مريحة", "إطار", "للطرق", "الطويلة"),
    "he": ("אופניים", "קלים", "מהירים", "חזקים", "נוחים", "שלדה", "לדרכים", "ארוכות"),
    "th": ("จักรยาน", "เบา", "เร็ว", "ทนทาน", "สบาย", "เฟรม", "สำหรับ", "ทางไกล"),
    "zh-cht": ("自行車", "輕量", "快速", "耐用", "舒適", "車架", "適合", "長途"),
}


_FIRST_DAY = datetime(2022, 1, 1)


_DAYS = (datetime(2024, 12, 31) - _FIRST_DAY).days + 1


Row = tuple[Any, ...]


@dataclass(frozen=True)
class TableRows:
    table: str  # 'SalesLT.X'
    columns: list[str]
    rows: list[Row]


def _money(ten_thousandths: int) -> Decimal:
    return Decimal(ten_thousandths).scaleb(-4)


class _Generator:
    """Builds every row from one seeded RNG; tables are generated in load order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def guid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def day(self, first: int = 0, last: int = _DAYS - 1) -> datetime:
        return _FIRST_DAY + timedelta(days=self.rng.randint(first, last))

    def word(self, syllables: int) -> str:
        return "".join(self.rng.choice(_WORD_SYLLABLES) for _ in range(syllables)).capitalize()

    def person(self) -> tuple[str, str]:
        rng = self.rng
        first = rng.choice(_NAME_HEADS) + rng.choice(_NAME_TAILS)
        last = rng.choice(_NAME_HEADS) + rng.choice(_SURNAME_TAILS)
        return first, last

    def categories(self) -> TableRows:
        rows: list[Row] = []
        stamp = self.day(0, 30)
        for name in _TOP_CATEGORIES:
            rows.append((len(rows) + 1, None, name, self.guid(), stamp))
        for parent_id, parent in enumerate(_TOP_CATEGORIES, start=1):
            for name in _SUBCATEGORIES[parent]:
                rows.append((len(rows) + 1, parent_id, name, self.guid(), stamp))
        columns = [
            "ProductCategoryID",
            "ParentProductCategoryID",
            "Name",
            "rowguid",
            "ModifiedDate",
        ]
        return TableRows("SalesLT.ProductCategory", columns, rows)

    def models(self) -> TableRows:
        names: set[str] = set()
        rows: list[Row] = []
        while len(rows) < _MODELS:
            name = f"{self.word(2)} {self.word(1)}-{self.rng.randrange(1, 10) * 100}"
            if name not in names:
                names.add(name)
                rows.append((len(rows) + 1, name, None, self.guid(), self.day(0, 180)))
        columns = ["ProductModelID", "Name", "CatalogDescription", "rowguid", "ModifiedDate"]
        return TableRows("SalesLT.ProductModel", columns, rows)

    def descriptions(self) -> tuple[TableRows, TableRows]:
        rng = self.rng
        descriptions: list[Row] = []
        links: list[Row] = []
        for model_id in range(1, _MODELS + 1):
            for culture in _CULTURES:
                words = _DESCRIPTION_WORDS[culture]
                text = " ".join(rng.choice(words) for _ in range(rng.randint(4, 9)))
                stamp = self.day(0, 180)
                description_id = len(descriptions) + 1
                descriptions.append((description_id, text.capitalize(), self.guid(), stamp))
                # nchar(6) is blank-padded, as SQL Server stores it.
                links.append((model_id, description_id, culture.ljust(6), self.guid(), stamp))
        return (
            TableRows(
                "SalesLT.ProductDescription",
                ["ProductDescriptionID", "Description", "rowguid", "ModifiedDate"],
                descriptions,
            ),
            TableRows(
                "SalesLT.ProductModelProductDescription",
                ["ProductModelID", "ProductDescriptionID", "Culture", "rowguid", "ModifiedDate"],
                links,
            ),
        )

    def products(self, models: list[Row]) -> TableRows:
        rng = self.rng
        parent_of = {name: parent for parent, names in _SUBCATEGORIES.items() for name in names}
        subcategories = [name for names in _SUBCATEGORIES.values() for name in names]
        model_category = {
            model[0]: rng.randrange(len(_TOP_CATEGORIES), len(_TOP_CATEGORIES) + len(subcategories))
            + 1
            for model in models
        }
        rows: list[Row] = []
        for index in range(_PRODUCTS):
            model_id, model_name = models[index % _MODELS][:2]
            variant = index // _MODELS
            category_id = model_category[model_id]
            top = parent_of[subcategories[category_id - len(_TOP_CATEGORIES) - 1]]
            uncolored = top == "Components" and rng.random() < 0.5
            color = None if uncolored else _COLORS[(model_id + variant) % len(_COLORS)]
            size = (
                rng.choice(_BIKE_SIZES)
                if top == "Bikes"
                else rng.choice(_CLOTHING_SIZES)
                if top == "Clothing"
                else None
            )
            weight = (
                Decimal(rng.randrange(50, 15000)).scaleb(-2)
                if top in ("Bikes", "Components")
                else None
            )
            cost = rng.randrange(10_000, 15_000_000)
            price = cost * rng.randrange(150, 250) // 100
            sell_start = self.day(0, 180)
            sell_end = self.day(900, _DAYS - 1) if rng.random() < 0.1 else None
            photo_name = f"{model_name.split()[0].lower()}_{index + 1}_small.gif"
            photo = b"GIF89a" + rng.randbytes(rng.randint(40, 200))
            rows.append(
                (
                    index + 1,
                    f"{model_name} {_VARIANTS[variant]}",
                    f"{_CATEGORY_CODES[top]}-{model_id:03d}{variant}-{size or 'U'}",
                    color,
                    _money(cost),
                    _money(price),
                    size,
                    weight,
                    category_id,
                    model_id,
                    sell_start,
                    sell_end,
                    None,
                    photo,
                    photo_name,
                    self.guid(),
                    sell_start,
                )
            )
        columns = [
            "ProductID",
            "Name",
            "ProductNumber",
            "Color",
            "StandardCost",
            "ListPrice",
            "Size",
            "Weight",
            "ProductCategoryID",
            "ProductModelID",
            "SellStartDate",
            "SellEndDate",
            "DiscontinuedDate",
            "ThumbNailPhoto",
            "ThumbnailPhotoFileName",
            "rowguid",
            "ModifiedDate",
        ]
        return TableRows("SalesLT.Product", columns, rows)

    def customers(self) -> TableRows:
        rng = self.rng
        sales_people = [f"adventure-works\\{self.person()[0].lower()}{n}" for n in range(9)]
        rows: list[Row] = []
        for customer_id in range(1, _CUSTOMERS + 1):
            first, last = self.person()
            middle = rng.choice("ABCDEFGHJKLMNPRSTW") + "." if rng.random() < 0.4 else None
            suffix = rng.choice(_SUFFIXES) if rng.random() < 0.05 else None
            company = f"{self.word(rng.randint(2, 3))} {rng.choice(_COMPANY_WORDS)}"
            email = f"{first.lower()}{customer_id}@adventure-works.com"
            phone = f"{rng.randint(200, 989)}-555-0{rng.randint(100, 199)}"
            password_hash = hashlib.sha256(rng.randbytes(16)).hexdigest()
            salt = rng.randbytes(3).hex()[:8]
            rows.append(
                (
                    customer_id,
                    False,
                    rng.choice(_TITLES),
                    first,
                    middle,
                    last,
                    suffix,
                    company,
                    rng.choice(sales_people),
                    email,
                    phone,
                    password_hash,
                    salt,
                    self.guid(),
                    self.day(0, 365),
                )
            )
        columns = [
            "CustomerID",
            "NameStyle",
            "Title",
            "FirstName",
            "MiddleName",
            "LastName",
            "Suffix",
            "CompanyName",
            "SalesPerson",
            "EmailAddress",
            "Phone",
            "PasswordHash",
            "PasswordSalt",
            "rowguid",
            "ModifiedDate",
        ]
        return TableRows("SalesLT.Customer", columns, rows)

    def addresses(self) -> tuple[TableRows, TableRows]:
        rng = self.rng
        addresses: list[Row] = []
        links: list[Row] = []
        for address_id in range(1, _ADDRESSES + 1):
            state, country, postal, largest = rng.choice(_REGIONS)
            line2 = f"Suite {rng.randint(100, 999)}" if rng.random() < 0.1 else None
            stamp = self.day(0, 365)
            addresses.append(
                (
                    address_id,
                    f"{rng.randint(1, 9999)} {self.word(2)} {rng.choice(_STREET_KINDS)}",
                    line2,
                    self.word(rng.randint(2, 3)),
                    state,
                    country,
                    postal.format(rng.randint(1, largest)),
                    clr.spatial_location(address_id, state),
                    self.guid(),
                    stamp,
                )
            )
            if address_id <= _MAIN_OFFICE_ADDRESSES:
                links.append((address_id, address_id, "Main Office", self.guid(), stamp))
            else:
                customer_id = address_id - _MAIN_OFFICE_ADDRESSES
                links.append((customer_id, address_id, "Shipping", self.guid(), stamp))
        return (
            TableRows(
                "SalesLT.Address",
                [
                    "AddressID",
                    "AddressLine1",
                    "AddressLine2",
                    "City",
                    "StateProvince",
                    "CountryRegion",
                    "PostalCode",
                    clr.SPATIAL_COLUMN,
                    "rowguid",
                    "ModifiedDate",
                ],
                addresses,
            ),
            TableRows(
                "SalesLT.CustomerAddress",
                ["CustomerID", "AddressID", "AddressType", "rowguid", "ModifiedDate"],
                links,
            ),
        )

    def orders(self, products: list[Row]) -> tuple[TableRows, TableRows]:
        rng = self.rng
        # (ProductID, UnitPrice, UnitPrice in ten-thousandths) per product.
        prices = [(row[0], row[5], int(row[5].scaleb(4))) for row in products]
        discounts = [(p, _money(p * 100)) for p in _DISCOUNT_PERCENTS]
        headers: list[Row] = []
        details: list[Row] = []
        for order_id in range(1, _ORDERS + 1):
            order_date = self.day(0, _DAYS - 15)
            customer_id = rng.randint(1, _MAIN_OFFICE_ADDRESSES)
            ship_to = (
                customer_id + _MAIN_OFFICE_ADDRESSES
                if customer_id <= _ADDRESSES - _MAIN_OFFICE_ADDRESSES and rng.random() < 0.5
                else customer_id
            )
            shipped = order_date < datetime(2024, 12, 1) or rng.random() < 0.3
            ship_date = order_date + timedelta(days=rng.randint(1, 7)) if shipped else None
            sub_total_micro = 0  # LineTotal in millionths, as numeric(38,6)
            for _ in range(_lines_in_order(order_id)):
                # One draw per line (there are 50,000 of them): product, quantity, discount.
                bits = rng.getrandbits(48)
                product_id, price, price_units = prices[(bits & 0xFFFF) % len(prices)]
                quantity = (bits >> 16 & 0xFF) % 12 + 1
                discount_percent, discount = discounts[(bits >> 24) % len(discounts)]
                line_micro = price_units * (100 - discount_percent) * quantity
                sub_total_micro += line_micro
                details.append(
                    (
                        order_id,
                        len(details) + 1,
                        quantity,
                        product_id,
                        price,
                        discount,
                        Decimal(line_micro).scaleb(-6),
                        self.guid(),
                        ship_date or order_date,
                    )
                )
            sub_total = (sub_total_micro + 50) // 100  # money has 4 decimals
            tax = (sub_total * 8 + 50) // 100
            freight = (sub_total * 25 + 500) // 1000
            comment = f"Livraison prévue le {order_date:%d/%m}." if rng.random() < 0.05 else None
            headers.append(
                (
                    order_id,
                    rng.randrange(3),
                    order_date,
                    order_date + timedelta(days=12),
                    ship_date,
                    5 if shipped else rng.choice((1, 2)),
                    rng.random() < 0.6,
                    f"SO{order_id}",
                    f"PO{rng.randrange(10**12):012d}",
                    f"10-4020-{customer_id:06d}",
                    customer_id,
                    ship_to,
                    customer_id,
                    rng.choice(_SHIP_METHODS),
                    f"{rng.randrange(10**6):06d}Vi{rng.randrange(10**5):05d}" if shipped else None,
                    _money(sub_total),
                    _money(tax),
                    _money(freight),
                    _money(sub_total + tax + freight),
                    comment,
                    self.guid(),
                    ship_date or order_date,
                )
            )
        header_columns = [
            "SalesOrderID",
            "RevisionNumber",
            "OrderDate",
            "DueDate",
            "ShipDate",
            "Status",
            "OnlineOrderFlag",
            "SalesOrderNumber",
            "PurchaseOrderNumber",
            "AccountNumber",
            "CustomerID",
            "ShipToAddressID",
            "BillToAddressID",
            "ShipMethod",
            "CreditCardApprovalCode",
            "SubTotal",
            "TaxAmt",
            "Freight",
            "TotalDue",
            "Comment",
            "rowguid",
            "ModifiedDate",
        ]
        detail_columns = [
            "SalesOrderID",
            "SalesOrderDetailID",
            "OrderQty",
            "ProductID",
            "UnitPrice",
            "UnitPriceDiscount",
            "LineTotal",
            "rowguid",
            "ModifiedDate",
        ]
        return (
            TableRows("SalesLT.SalesOrderHeader", header_columns, headers),
            TableRows("SalesLT.SalesOrderDetail", detail_columns, details),
        )


def generate_rows(seed: int = SEED) -> list[TableRows]:
    """Every table's rows, in an order that satisfies the foreign keys."""
    generator = _Generator(seed)
    categories = generator.categories()
    models = generator.models()
    descriptions, model_descriptions = generator.descriptions()
    products = generator.products(models.rows)
    customers = generator.customers()
    addresses, customer_addresses = generator.addresses()
    headers, details = generator.orders(products.rows)
    return [
        categories,
        models,
        descriptions,
        model_descriptions,
        products,
        customers,
        addresses,
        customer_addresses,
        headers,
        details,
        TableRows(clr.EMPLOYEE_TABLE, clr.EMPLOYEE_COLUMNS, clr.employee_rows()),
    ]


SAMPLE_TABLES: list[str] = [
    "SalesLT.ProductCategory",
    "SalesLT.ProductModel",
    "SalesLT.ProductDescription",
    "SalesLT.ProductModelProductDescription",
    "SalesLT.Product",
    "SalesLT.Customer",
    "SalesLT.Address",
    "SalesLT.CustomerAddress",
    "SalesLT.SalesOrderHeader",
    "SalesLT.SalesOrderDetail",
    clr.EMPLOYEE_TABLE,
]


SAMPLE_VIEW_NAMES: list[str] = ["SalesLT.vProductAndDescription", "SalesLT.vGetAllCategories"]


SAMPLE_ROW_COUNTS: dict[str, int] = {
    "SalesLT.ProductCategory": len(_TOP_CATEGORIES)
    + sum(len(names) for names in _SUBCATEGORIES.values()),
    "SalesLT.ProductModel": _MODELS,
    "SalesLT.ProductDescription": _MODELS * len(_CULTURES),
    "SalesLT.ProductModelProductDescription": _MODELS * len(_CULTURES),
    "SalesLT.Product": _PRODUCTS,
    "SalesLT.Customer": _CUSTOMERS,
    "SalesLT.Address": _ADDRESSES,
    "SalesLT.CustomerAddress": _ADDRESSES,
    "SalesLT.SalesOrderHeader": _ORDERS,
    "SalesLT.SalesOrderDetail": sum(_lines_in_order(n) for n in range(1, _ORDERS + 1)),
    clr.EMPLOYEE_TABLE: clr.EMPLOYEE_COUNT,
}
