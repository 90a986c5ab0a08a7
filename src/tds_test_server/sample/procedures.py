"""Stored procedures of the sample, shaped like AdventureWorks' own usp* procedures, and
the inline table-valued function AdventureWorksLT has, dbo.ufnGetCustomerInformation.

Each is one batch (CREATE PROCEDURE and CREATE FUNCTION must be alone in their batch)
and runs unchanged on SQL Server. The procedures exercise what a caller of procedures
meets: an OUTPUT parameter, a parameter with a default, several result sets and a return
value.
"""

from __future__ import annotations

SAMPLE_PROCEDURES: list[str] = [
    """CREATE PROCEDURE [SalesLT].[uspCustomerOrders]
    @CustomerID int,
    @OrderCount int OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    -- The customer, then the customer's orders (newest first).
    SELECT [CustomerID], [CompanyName], [FirstName], [LastName], [EmailAddress]
    FROM [SalesLT].[Customer]
    WHERE [CustomerID] = @CustomerID;
    SELECT [SalesOrderID], [OrderDate], [Status], [TotalDue]
    FROM [SalesLT].[SalesOrderHeader]
    WHERE [CustomerID] = @CustomerID
    ORDER BY [OrderDate] DESC, [SalesOrderID] DESC;
    SET @OrderCount = (SELECT COUNT(*) FROM [SalesLT].[SalesOrderHeader]
                       WHERE [CustomerID] = @CustomerID);
    -- 0: the customer exists; 1: no such customer.
    RETURN (SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END
            FROM [SalesLT].[Customer] WHERE [CustomerID] = @CustomerID);
END""",
    """CREATE PROCEDURE [SalesLT].[uspProductsByCategory]
    @Category nvarchar(50),
    @MaxListPrice money = NULL
AS
BEGIN
    SET NOCOUNT ON;
    SELECT p.[ProductID], p.[Name], p.[ProductNumber], p.[ListPrice]
    FROM [SalesLT].[Product] AS p
    JOIN [SalesLT].[ProductCategory] AS c ON c.[ProductCategoryID] = p.[ProductCategoryID]
    WHERE c.[Name] = @Category
      AND (@MaxListPrice IS NULL OR p.[ListPrice] <= @MaxListPrice)
    ORDER BY p.[ListPrice] DESC, p.[ProductID];
END""",
]

# Microsoft's AdventureWorksLT function: the customer's id and name, written from the
# sample's documented shape (one parameter, @CustomerID; three columns).
SAMPLE_FUNCTIONS: list[str] = [
    """CREATE FUNCTION [dbo].[ufnGetCustomerInformation](@CustomerID int)
RETURNS TABLE
AS
-- Returns the CustomerID, first name, and last name for the specified customer.
RETURN (
    SELECT
        CustomerID,
        FirstName,
        LastName
    FROM [SalesLT].[Customer]
    WHERE [CustomerID] = @CustomerID
);""",
]
