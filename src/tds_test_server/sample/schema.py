"""The sample's DDL as SQL Server would run it: the SalesLT tables, indexes and views, and
the MS_Description extended properties on them.
"""

from __future__ import annotations

from . import clr

SCHEMA = "SalesLT"

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


def description_statements() -> list[str]:
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
