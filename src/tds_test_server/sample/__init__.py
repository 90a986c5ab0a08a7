"""A sample database shaped like Microsoft's AdventureWorksLT (schema SalesLT).

The tables, column names, T-SQL types and constraint names follow the published
AdventureWorksLT schema, with two deliberate differences:
- user-defined types are replaced by their base types (dbo.Name -> nvarchar(50),
  dbo.Flag and dbo.NameStyle -> bit, dbo.Phone -> nvarchar(25), dbo.OrderNumber ->
  nvarchar(25), dbo.AccountNumber -> nvarchar(15));
- the computed columns (SalesOrderHeader.SalesOrderNumber and TotalDue,
  SalesOrderDetail.LineTotal) are plain columns filled at generation time with
  the values the original formulas would give.

Every row is generated from a fixed seed (no data is copied from the original),
so the same sample comes out on every run. Each DDL statement is sent as its own
batch, exactly as it would run on SQL Server; rows go in through the engine's
bulk loader with explicit identity values. The database is built once per
version of this package's code and kept in the temp directory; each
Engine(seed=SAMPLE) starts from a copy of that file.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..results import SessionInfo
from . import clr

if TYPE_CHECKING:
    from ..engine.catalog import Catalog
    from ..engine.engine import Engine

SAMPLE_DATABASE = "AdventureWorksLT"  # the name the sample's user database goes by
SEED = 20240229
SCHEMA = "SalesLT"

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


# -- DDL: one batch per statement, each valid on SQL Server as written ---------------

_AUDIT_COLUMNS = """
    rowguid uniqueidentifier NOT NULL CONSTRAINT DF_{t}_rowguid DEFAULT (newid()),
    ModifiedDate datetime NOT NULL CONSTRAINT DF_{t}_ModifiedDate DEFAULT (getdate()),"""


def _audit(table: str) -> str:
    return _AUDIT_COLUMNS.format(t=table)


SAMPLE_DDL: tuple[str, ...] = (
    "CREATE SCHEMA SalesLT",
    f"""CREATE TABLE SalesLT.ProductCategory (
    ProductCategoryID int IDENTITY(1,1) NOT NULL,
    ParentProductCategoryID int NULL,
    Name nvarchar(50) NOT NULL,{_audit("ProductCategory")}
    CONSTRAINT PK_ProductCategory_ProductCategoryID PRIMARY KEY CLUSTERED (ProductCategoryID),
    CONSTRAINT AK_ProductCategory_Name UNIQUE NONCLUSTERED (Name),
    CONSTRAINT AK_ProductCategory_rowguid UNIQUE NONCLUSTERED (rowguid),
    CONSTRAINT FK_ProductCategory_ProductCategory_ParentProductCategoryID_ProductCategoryID
        FOREIGN KEY (ParentProductCategoryID)
        REFERENCES SalesLT.ProductCategory (ProductCategoryID)
)""",
    f"""CREATE TABLE SalesLT.ProductModel (
    ProductModelID int IDENTITY(1,1) NOT NULL,
    Name nvarchar(50) NOT NULL,
    CatalogDescription xml NULL,{_audit("ProductModel")}
    CONSTRAINT PK_ProductModel_ProductModelID PRIMARY KEY CLUSTERED (ProductModelID),
    CONSTRAINT AK_ProductModel_Name UNIQUE NONCLUSTERED (Name),
    CONSTRAINT AK_ProductModel_rowguid UNIQUE NONCLUSTERED (rowguid)
)""",
    f"""CREATE TABLE SalesLT.ProductDescription (
    ProductDescriptionID int IDENTITY(1,1) NOT NULL,
    Description nvarchar(400) NOT NULL,{_audit("ProductDescription")}
    CONSTRAINT PK_ProductDescription_ProductDescriptionID
        PRIMARY KEY CLUSTERED (ProductDescriptionID),
    CONSTRAINT AK_ProductDescription_rowguid UNIQUE NONCLUSTERED (rowguid)
)""",
    f"""CREATE TABLE SalesLT.ProductModelProductDescription (
    ProductModelID int NOT NULL,
    ProductDescriptionID int NOT NULL,
    Culture nchar(6) NOT NULL,{_audit("ProductModelProductDescription")}
    CONSTRAINT PK_ProductModelProductDescription_ProductModelID_ProductDescriptionID_Culture
        PRIMARY KEY CLUSTERED (ProductModelID, ProductDescriptionID, Culture),
    CONSTRAINT AK_ProductModelProductDescription_rowguid UNIQUE NONCLUSTERED (rowguid),
    CONSTRAINT FK_ProductModelProductDescription_ProductDescription_ProductDescriptionID
        FOREIGN KEY (ProductDescriptionID)
        REFERENCES SalesLT.ProductDescription (ProductDescriptionID),
    CONSTRAINT FK_ProductModelProductDescription_ProductModel_ProductModelID
        FOREIGN KEY (ProductModelID) REFERENCES SalesLT.ProductModel (ProductModelID)
)""",
    f"""CREATE TABLE SalesLT.Product (
    ProductID int IDENTITY(1,1) NOT NULL,
    Name nvarchar(50) NOT NULL,
    ProductNumber nvarchar(25) NOT NULL,
    Color nvarchar(15) NULL,
    StandardCost money NOT NULL,
    ListPrice money NOT NULL,
    Size nvarchar(5) NULL,
    Weight decimal(8,2) NULL,
    ProductCategoryID int NULL,
    ProductModelID int NULL,
    SellStartDate datetime NOT NULL,
    SellEndDate datetime NULL,
    DiscontinuedDate datetime NULL,
    ThumbNailPhoto varbinary(max) NULL,
    ThumbnailPhotoFileName nvarchar(50) NULL,{_audit("Product")}
    CONSTRAINT PK_Product_ProductID PRIMARY KEY CLUSTERED (ProductID),
    CONSTRAINT AK_Product_Name UNIQUE NONCLUSTERED (Name),
    CONSTRAINT AK_Product_ProductNumber UNIQUE NONCLUSTERED (ProductNumber),
    CONSTRAINT AK_Product_rowguid UNIQUE NONCLUSTERED (rowguid),
    CONSTRAINT FK_Product_ProductCategory_ProductCategoryID FOREIGN KEY (ProductCategoryID)
        REFERENCES SalesLT.ProductCategory (ProductCategoryID),
    CONSTRAINT FK_Product_ProductModel_ProductModelID FOREIGN KEY (ProductModelID)
        REFERENCES SalesLT.ProductModel (ProductModelID),
    CONSTRAINT CK_Product_StandardCost CHECK (StandardCost >= 0.00),
    CONSTRAINT CK_Product_ListPrice CHECK (ListPrice >= 0.00),
    CONSTRAINT CK_Product_Weight CHECK (Weight > 0.00),
    CONSTRAINT CK_Product_SellEndDate CHECK (SellEndDate >= SellStartDate OR SellEndDate IS NULL)
)""",
    f"""CREATE TABLE SalesLT.Customer (
    CustomerID int IDENTITY(1,1) NOT NULL,
    NameStyle bit NOT NULL CONSTRAINT DF_Customer_NameStyle DEFAULT (0),
    Title nvarchar(8) NULL,
    FirstName nvarchar(50) NOT NULL,
    MiddleName nvarchar(50) NULL,
    LastName nvarchar(50) NOT NULL,
    Suffix nvarchar(10) NULL,
    CompanyName nvarchar(128) NULL,
    SalesPerson nvarchar(256) NULL,
    EmailAddress nvarchar(50) NULL,
    Phone nvarchar(25) NULL,
    PasswordHash varchar(128) NOT NULL,
    PasswordSalt varchar(10) NOT NULL,{_audit("Customer")}
    CONSTRAINT PK_Customer_CustomerID PRIMARY KEY CLUSTERED (CustomerID),
    CONSTRAINT AK_Customer_rowguid UNIQUE NONCLUSTERED (rowguid)
)""",
    f"""CREATE TABLE SalesLT.Address (
    AddressID int IDENTITY(1,1) NOT NULL,
    AddressLine1 nvarchar(60) NOT NULL,
    AddressLine2 nvarchar(60) NULL,
    City nvarchar(30) NOT NULL,
    StateProvince nvarchar(50) NOT NULL,
    CountryRegion nvarchar(50) NOT NULL,
    PostalCode nvarchar(15) NOT NULL,
    SpatialLocation geography NULL,{_audit("Address")}
    CONSTRAINT PK_Address_AddressID PRIMARY KEY CLUSTERED (AddressID),
    CONSTRAINT AK_Address_rowguid UNIQUE NONCLUSTERED (rowguid)
)""",
    f"""CREATE TABLE SalesLT.CustomerAddress (
    CustomerID int NOT NULL,
    AddressID int NOT NULL,
    AddressType nvarchar(50) NOT NULL,{_audit("CustomerAddress")}
    CONSTRAINT PK_CustomerAddress_CustomerID_AddressID
        PRIMARY KEY CLUSTERED (CustomerID, AddressID),
    CONSTRAINT AK_CustomerAddress_rowguid UNIQUE NONCLUSTERED (rowguid),
    CONSTRAINT FK_CustomerAddress_Address_AddressID FOREIGN KEY (AddressID)
        REFERENCES SalesLT.Address (AddressID),
    CONSTRAINT FK_CustomerAddress_Customer_CustomerID FOREIGN KEY (CustomerID)
        REFERENCES SalesLT.Customer (CustomerID)
)""",
    f"""CREATE TABLE SalesLT.SalesOrderHeader (
    SalesOrderID int IDENTITY(1,1) NOT NULL,
    RevisionNumber tinyint NOT NULL CONSTRAINT DF_SalesOrderHeader_RevisionNumber DEFAULT (0),
    OrderDate datetime NOT NULL CONSTRAINT DF_SalesOrderHeader_OrderDate DEFAULT (getdate()),
    DueDate datetime NOT NULL,
    ShipDate datetime NULL,
    Status tinyint NOT NULL CONSTRAINT DF_SalesOrderHeader_Status DEFAULT (1),
    OnlineOrderFlag bit NOT NULL CONSTRAINT DF_SalesOrderHeader_OnlineOrderFlag DEFAULT (1),
    SalesOrderNumber nvarchar(25) NOT NULL,
    PurchaseOrderNumber nvarchar(25) NULL,
    AccountNumber nvarchar(15) NULL,
    CustomerID int NOT NULL,
    ShipToAddressID int NULL,
    BillToAddressID int NULL,
    ShipMethod nvarchar(50) NOT NULL,
    CreditCardApprovalCode varchar(15) NULL,
    SubTotal money NOT NULL CONSTRAINT DF_SalesOrderHeader_SubTotal DEFAULT (0.00),
    TaxAmt money NOT NULL CONSTRAINT DF_SalesOrderHeader_TaxAmt DEFAULT (0.00),
    Freight money NOT NULL CONSTRAINT DF_SalesOrderHeader_Freight DEFAULT (0.00),
    TotalDue money NOT NULL,
    Comment nvarchar(max) NULL,{_audit("SalesOrderHeader")}
    CONSTRAINT PK_SalesOrderHeader_SalesOrderID PRIMARY KEY CLUSTERED (SalesOrderID),
    CONSTRAINT AK_SalesOrderHeader_rowguid UNIQUE NONCLUSTERED (rowguid),
    CONSTRAINT AK_SalesOrderHeader_SalesOrderNumber UNIQUE NONCLUSTERED (SalesOrderNumber),
    CONSTRAINT FK_SalesOrderHeader_Address_BillTo_AddressID FOREIGN KEY (BillToAddressID)
        REFERENCES SalesLT.Address (AddressID),
    CONSTRAINT FK_SalesOrderHeader_Address_ShipTo_AddressID FOREIGN KEY (ShipToAddressID)
        REFERENCES SalesLT.Address (AddressID),
    CONSTRAINT FK_SalesOrderHeader_Customer_CustomerID FOREIGN KEY (CustomerID)
        REFERENCES SalesLT.Customer (CustomerID),
    CONSTRAINT CK_SalesOrderHeader_DueDate CHECK (DueDate >= OrderDate),
    CONSTRAINT CK_SalesOrderHeader_ShipDate CHECK (ShipDate >= OrderDate OR ShipDate IS NULL),
    CONSTRAINT CK_SalesOrderHeader_Status CHECK (Status >= 0 AND Status <= 8),
    CONSTRAINT CK_SalesOrderHeader_SubTotal CHECK (SubTotal >= 0.00),
    CONSTRAINT CK_SalesOrderHeader_TaxAmt CHECK (TaxAmt >= 0.00),
    CONSTRAINT CK_SalesOrderHeader_Freight CHECK (Freight >= 0.00)
)""",
    f"""CREATE TABLE SalesLT.SalesOrderDetail (
    SalesOrderID int NOT NULL,
    SalesOrderDetailID int IDENTITY(1,1) NOT NULL,
    OrderQty smallint NOT NULL,
    ProductID int NOT NULL,
    UnitPrice money NOT NULL,
    UnitPriceDiscount money NOT NULL
        CONSTRAINT DF_SalesOrderDetail_UnitPriceDiscount DEFAULT (0.0),
    LineTotal numeric(38,6) NOT NULL,{_audit("SalesOrderDetail")}
    CONSTRAINT PK_SalesOrderDetail_SalesOrderID_SalesOrderDetailID
        PRIMARY KEY CLUSTERED (SalesOrderID, SalesOrderDetailID),
    CONSTRAINT AK_SalesOrderDetail_rowguid UNIQUE NONCLUSTERED (rowguid),
    CONSTRAINT FK_SalesOrderDetail_Product_ProductID FOREIGN KEY (ProductID)
        REFERENCES SalesLT.Product (ProductID),
    CONSTRAINT FK_SalesOrderDetail_SalesOrderHeader_SalesOrderID FOREIGN KEY (SalesOrderID)
        REFERENCES SalesLT.SalesOrderHeader (SalesOrderID) ON DELETE CASCADE,
    CONSTRAINT CK_SalesOrderDetail_OrderQty CHECK (OrderQty > 0),
    CONSTRAINT CK_SalesOrderDetail_UnitPrice CHECK (UnitPrice >= 0.00),
    CONSTRAINT CK_SalesOrderDetail_UnitPriceDiscount CHECK (UnitPriceDiscount >= 0.00)
)""",
    clr.EMPLOYEE_DDL,
)

# Nonclustered indexes are built after the rows are loaded: cheaper than
# maintaining them row by row.
SAMPLE_INDEXES: tuple[str, ...] = (
    "CREATE NONCLUSTERED INDEX IX_Address_AddressLine1_AddressLine2_City_StateProvince"
    "_PostalCode_CountryRegion ON SalesLT.Address"
    " (AddressLine1, AddressLine2, City, StateProvince, PostalCode, CountryRegion)",
    "CREATE NONCLUSTERED INDEX IX_Address_StateProvince ON SalesLT.Address (StateProvince)",
    "CREATE NONCLUSTERED INDEX IX_Customer_EmailAddress ON SalesLT.Customer (EmailAddress)",
    "CREATE NONCLUSTERED INDEX IX_SalesOrderHeader_CustomerID"
    " ON SalesLT.SalesOrderHeader (CustomerID)",
    "CREATE NONCLUSTERED INDEX IX_SalesOrderDetail_ProductID"
    " ON SalesLT.SalesOrderDetail (ProductID)",
)

SAMPLE_VIEWS: tuple[str, ...] = (
    """CREATE VIEW SalesLT.vProductAndDescription
AS
SELECT p.ProductID, p.Name, pm.Name AS ProductModel, pmpd.Culture, pd.Description
FROM SalesLT.Product AS p
INNER JOIN SalesLT.ProductModel AS pm ON p.ProductModelID = pm.ProductModelID
INNER JOIN SalesLT.ProductModelProductDescription AS pmpd
    ON pm.ProductModelID = pmpd.ProductModelID
INNER JOIN SalesLT.ProductDescription AS pd
    ON pmpd.ProductDescriptionID = pd.ProductDescriptionID""",
    """CREATE VIEW SalesLT.vGetAllCategories
AS
WITH CategoryTree (ParentProductCategoryID, ProductCategoryID, Name) AS (
    SELECT ParentProductCategoryID, ProductCategoryID, Name
    FROM SalesLT.ProductCategory
    WHERE ParentProductCategoryID IS NULL
    UNION ALL
    SELECT child.ParentProductCategoryID, child.ProductCategoryID, child.Name
    FROM SalesLT.ProductCategory AS child
    INNER JOIN CategoryTree AS parent
        ON parent.ProductCategoryID = child.ParentProductCategoryID
)
SELECT parent.Name AS ParentProductCategoryName, tree.Name AS ProductCategoryName,
    tree.ProductCategoryID
FROM CategoryTree AS tree
INNER JOIN SalesLT.ProductCategory AS parent
    ON parent.ProductCategoryID = tree.ParentProductCategoryID""",
)

_ROWGUID = "ROWGUIDCOL used to support merge replication samples."
_MODIFIED = "Date and time the record was last updated."

# MS_Description extended properties: table description, then column descriptions.
DESCRIPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "ProductCategory": (
        "High-level product categorization.",
        {
            "ProductCategoryID": "Primary key for ProductCategory records.",
            "ParentProductCategoryID": "Product category identification number of immediate"
            " ancestor category. Foreign key to ProductCategory.ProductCategoryID.",
            "Name": "Category description.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "ProductModel": (
        "Product model classification.",
        {
            "ProductModelID": "Primary key for ProductModel records.",
            "Name": "Product model description.",
            "CatalogDescription": "Detailed product catalog information in xml format.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "ProductDescription": (
        "Product descriptions in several languages.",
        {
            "ProductDescriptionID": "Primary key for ProductDescription records.",
            "Description": "Description of the product.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "ProductModelProductDescription": (
        "Cross-reference table mapping product descriptions and the language the"
        " description is written in.",
        {
            "ProductModelID": "Primary key. Foreign key to ProductModel.ProductModelID.",
            "ProductDescriptionID": "Primary key."
            " Foreign key to ProductDescription.ProductDescriptionID.",
            "Culture": "The culture for which the description is written.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "Product": (
        "Products sold or used in the manufacturing of sold products.",
        {
            "ProductID": "Primary key for Product records.",
            "Name": "Name of the product.",
            "ProductNumber": "Unique product identification number.",
            "Color": "Product color.",
            "StandardCost": "Standard cost of the product.",
            "ListPrice": "Selling price.",
            "Size": "Product size.",
            "Weight": "Product weight.",
            "ProductCategoryID": "Product is a member of this product category."
            " Foreign key to ProductCategory.ProductCategoryID.",
            "ProductModelID": "Product is a member of this product model."
            " Foreign key to ProductModel.ProductModelID.",
            "SellStartDate": "Date the product was available for sale.",
            "SellEndDate": "Date the product was no longer available for sale.",
            "DiscontinuedDate": "Date the product was discontinued.",
            "ThumbNailPhoto": "Small image of the product.",
            "ThumbnailPhotoFileName": "Small image file name.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "Customer": (
        "Customer information.",
        {
            "CustomerID": "Primary key for Customer records.",
            "NameStyle": "0 = The data in FirstName and LastName are stored in western style"
            " (first name, last name) order. 1 = Eastern style (last name, first name) order.",
            "Title": "A courtesy title. For example, Mr. or Ms.",
            "FirstName": "First name of the person.",
            "MiddleName": "Middle name or middle initial of the person.",
            "LastName": "Last name of the person.",
            "Suffix": "Surname suffix. For example, Sr. or Jr.",
            "CompanyName": "The customer's organization.",
            "SalesPerson": "The customer's sales person, an employee of AdventureWorks Cycles.",
            "EmailAddress": "E-mail address for the person.",
            "Phone": "Phone number associated with the person.",
            "PasswordHash": "Password for the e-mail account.",
            "PasswordSalt": "Random value concatenated with the password string before the"
            " password is hashed.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "Address": (
        "Street address information for customers.",
        {
            "AddressID": "Primary key for Address records.",
            "AddressLine1": "First street address line.",
            "AddressLine2": "Second street address line.",
            "City": "Name of the city.",
            "StateProvince": "Name of state or province.",
            "CountryRegion": "Name of the country or region.",
            "PostalCode": "Postal code for the street address.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "CustomerAddress": (
        "Cross-reference table mapping customers to their address(es).",
        {
            "CustomerID": "Primary key. Foreign key to Customer.CustomerID.",
            "AddressID": "Primary key. Foreign key to Address.AddressID.",
            "AddressType": "The kind of Address. One of: Main Office, Shipping.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "SalesOrderHeader": (
        "General sales order information.",
        {
            "SalesOrderID": "Primary key.",
            "RevisionNumber": "Incremental number to track changes to the sales order over time.",
            "OrderDate": "Dates the sales order was created.",
            "DueDate": "Date the order is due to the customer.",
            "ShipDate": "Date the order was shipped to the customer.",
            "Status": "Order current status. 1 = In process; 2 = Approved; 3 = Backordered;"
            " 4 = Rejected; 5 = Shipped; 6 = Cancelled",
            "OnlineOrderFlag": "0 = Order placed by sales person. 1 = Order placed online by"
            " customer.",
            "SalesOrderNumber": "Unique sales order identification number: N'SO' followed by"
            " SalesOrderID (computed in the original; stored here).",
            "PurchaseOrderNumber": "Customer purchase order number reference.",
            "AccountNumber": "Financial accounting number reference.",
            "CustomerID": "Customer identification number. Foreign key to Customer.CustomerID.",
            "ShipToAddressID": "The ID of the location to send goods."
            " Foreign key to the Address table.",
            "BillToAddressID": "The ID of the location to send invoices."
            " Foreign key to the Address table.",
            "ShipMethod": "Shipping method.",
            "CreditCardApprovalCode": "Approval code provided by the credit card company.",
            "SubTotal": "Sales subtotal. Computed as SUM(SalesOrderDetail.LineTotal) for the"
            " appropriate SalesOrderID.",
            "TaxAmt": "Tax amount.",
            "Freight": "Shipping cost.",
            "TotalDue": "Total due from customer: SubTotal + TaxAmt + Freight"
            " (computed in the original; stored here).",
            "Comment": "Sales representative comments.",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
    "SalesOrderDetail": (
        "Individual products associated with a specific sales order. See SalesOrderHeader.",
        {
            "SalesOrderID": "Primary key. Foreign key to SalesOrderHeader.SalesOrderID.",
            "SalesOrderDetailID": "Primary key. One incremental unique number per product sold.",
            "OrderQty": "Quantity ordered per product.",
            "ProductID": "Product sold to customer. Foreign key to Product.ProductID.",
            "UnitPrice": "Selling price of a single product.",
            "UnitPriceDiscount": "Discount amount.",
            "LineTotal": "Per product subtotal: UnitPrice * (1 - UnitPriceDiscount) * OrderQty"
            " (computed in the original; stored here).",
            "rowguid": _ROWGUID,
            "ModifiedDate": _MODIFIED,
        },
    ),
}

VIEW_DESCRIPTIONS: dict[str, str] = {
    "vProductAndDescription": "Product names and descriptions, one row per culture.",
    "vGetAllCategories": "Every product category with the name of its parent category.",
}


def _nstring(text: str) -> str:
    return "N'" + text.replace("'", "''") + "'"


def _add_description(text: str, level1type: str, level1name: str, column: str | None) -> str:
    statement = (
        "EXEC sys.sp_addextendedproperty @name = N'MS_Description', "
        f"@value = {_nstring(text)}, @level0type = N'SCHEMA', @level0name = N'{SCHEMA}', "
        f"@level1type = N'{level1type}', @level1name = N'{level1name}'"
    )
    if column is not None:
        statement += f", @level2type = N'COLUMN', @level2name = N'{column}'"
    return statement


def _description_statements() -> list[str]:
    statements = []
    for table, (table_text, columns) in DESCRIPTIONS.items():
        statements.append(_add_description(table_text, "TABLE", table, None))
        statements.extend(
            _add_description(text, "TABLE", table, column) for column, text in columns.items()
        )
    statements.extend(
        _add_description(text, "VIEW", view, None) for view, text in VIEW_DESCRIPTIONS.items()
    )
    return statements


def sample_statements() -> list[str]:
    """Every T-SQL statement of the sample except the rows, in the order they run."""
    return [*SAMPLE_DDL, *SAMPLE_INDEXES, *SAMPLE_VIEWS, *_description_statements()]


# -- Rows ----------------------------------------------------------------------------

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


# -- Loading -------------------------------------------------------------------------


def load_sample(engine: Engine) -> None:
    """Create the SalesLT schema in `engine` and fill it with the generated rows."""
    session = engine.session(SessionInfo(spid=0, user="dbo", database="master"))
    try:
        for statement in SAMPLE_DDL:
            for _ in session.execute(statement):
                pass
        for table in generate_rows():
            engine.bulk_insert(table.table, table.columns, table.rows)
        for statement in [*SAMPLE_INDEXES, *SAMPLE_VIEWS, *_description_statements()]:
            for _ in session.execute(statement):
                pass
    finally:
        session.close()


# -- The built sample, cached -------------------------------------------------------------

_CACHE_DIR = "azsql-tds-sample"
_STALE_SECONDS = 3600  # builds of other code versions unused for an hour are removed


def copy_cached_sample(path: str) -> None:
    """Write the sample database to `path` (a new file) from the cached build. Where the
    temp directory cannot hold the cache nothing is written, and the engine loads the
    sample into `path` itself."""
    try:
        shutil.copyfile(_cached_sample(), path)
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _cached_sample() -> str:
    """The built sample for this code version; built now if missing. Concurrent
    processes may both build it: each writes a private file and renames it into place."""
    directory = os.path.join(tempfile.gettempdir(), _CACHE_DIR)
    os.makedirs(directory, exist_ok=True)
    final = os.path.join(directory, f"sample-{_code_version()}.sqlite")
    if os.path.exists(final):
        with contextlib.suppress(OSError):
            os.utime(final)  # in use: not stale
        return final
    from ..engine.engine import Engine

    building = os.path.join(directory, f"building-{os.getpid()}-{uuid.uuid4().hex}.sqlite")
    try:
        with Engine() as engine:  # a private file without fsyncs, then copied out whole
            load_sample(engine)
            engine.save_copy(building)
        os.replace(building, final)
    finally:
        for leftover in (building, building + "-wal", building + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(leftover)
    _remove_stale(directory, keep=final)
    return final


@functools.cache
def _code_version() -> str:
    """A hash of everything the built file depends on: the test server's code, SQLite, sqlglot."""
    import sqlglot

    digest = hashlib.sha256(f"{sqlite3.sqlite_version} {sqlglot.__version__}".encode())
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for directory, subdirectories, names in sorted(os.walk(package)):
        subdirectories.sort()
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                with open(path, "rb") as source:
                    relative = os.path.relpath(path, package)
                    digest.update(relative.encode() + b"\0" + source.read())
    return digest.hexdigest()[:16]


def _remove_stale(directory: str, keep: str) -> None:
    cutoff = time.time() - _STALE_SECONDS
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        with contextlib.suppress(OSError):
            if path != keep and os.path.getmtime(path) < cutoff:
                os.remove(path)


class _SampleSeed:
    """The sample as an engine seed (see engine.Seed)."""

    database = SAMPLE_DATABASE

    def copy_to(self, path: str) -> None:
        copy_cached_sample(path)

    def is_loaded(self, catalog: Catalog) -> bool:
        return catalog.table("SalesLT", "Customer") is not None

    def load(self, engine: Engine) -> None:
        load_sample(engine)


SAMPLE = _SampleSeed()
"""Pass as `Engine(seed=SAMPLE)` for an engine holding AdventureWorksLT."""
