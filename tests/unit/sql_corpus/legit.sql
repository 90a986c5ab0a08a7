-- Legitimate analytic SELECTs: check_select (read_data) must accept every one, and
-- send a statement that parses to the same tree. Entries are separated by lines
-- that read exactly "-- next".
-- next
SELECT 1
-- next
SELECT * FROM SalesLT.Customer
-- next
SELECT TOP 10 c.CustomerID, c.CompanyName, SUM(h.TotalDue) AS total
FROM SalesLT.Customer AS c
JOIN SalesLT.SalesOrderHeader AS h ON h.CustomerID = c.CustomerID
GROUP BY c.CustomerID, c.CompanyName
ORDER BY total DESC
-- next
SELECT c.CustomerID, h.SalesOrderID
FROM SalesLT.Customer c
LEFT OUTER JOIN SalesLT.SalesOrderHeader h ON h.CustomerID = c.CustomerID
WHERE h.SalesOrderID IS NULL
-- next
SELECT p.Name, pc.Name AS Category
FROM SalesLT.Product p
INNER JOIN SalesLT.ProductCategory pc ON pc.ProductCategoryID = p.ProductCategoryID
RIGHT JOIN SalesLT.ProductModel pm ON pm.ProductModelID = p.ProductModelID
FULL OUTER JOIN SalesLT.ProductDescription d ON 1 = 0
-- next
SELECT a.x, b.y FROM a CROSS JOIN b
-- next
SELECT name, dept, salary,
       ROW_NUMBER() OVER (PARTITION BY dept ORDER BY salary DESC) AS rn,
       RANK() OVER (ORDER BY salary DESC) AS rnk,
       DENSE_RANK() OVER (ORDER BY salary DESC) AS drnk,
       NTILE(4) OVER (ORDER BY salary) AS quartile
FROM emp
-- next
SELECT OrderDate, TotalDue,
       SUM(TotalDue) OVER (ORDER BY OrderDate ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
       AVG(TotalDue) OVER (ORDER BY OrderDate ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving_avg,
       LAG(TotalDue, 1, 0) OVER (ORDER BY OrderDate) AS prev,
       LEAD(TotalDue) OVER (ORDER BY OrderDate) AS next_due,
       FIRST_VALUE(TotalDue) OVER (PARTITION BY CustomerID ORDER BY OrderDate) AS first_due
FROM SalesLT.SalesOrderHeader
-- next
WITH totals AS (
    SELECT CustomerID, SUM(TotalDue) AS total
    FROM SalesLT.SalesOrderHeader
    GROUP BY CustomerID
)
SELECT c.CompanyName, t.total
FROM totals t JOIN SalesLT.Customer c ON c.CustomerID = t.CustomerID
WHERE t.total > 1000
-- next
WITH a AS (SELECT 1 AS n), b AS (SELECT n + 1 AS n FROM a)
SELECT * FROM a UNION ALL SELECT * FROM b
-- next
WITH r AS (
    SELECT 1 AS n
    UNION ALL
    SELECT n + 1 FROM r WHERE n < 10
)
SELECT n FROM r OPTION (MAXRECURSION 100)
-- next
WITH org AS (
    SELECT EmployeeID, ManagerID, 0 AS lvl FROM dbo.Employee WHERE ManagerID IS NULL
    UNION ALL
    SELECT e.EmployeeID, e.ManagerID, o.lvl + 1 FROM dbo.Employee e JOIN org o ON e.ManagerID = o.EmployeeID
)
SELECT * FROM org
-- next
SELECT * FROM SalesLT.Product WHERE ProductCategoryID IN (SELECT ProductCategoryID FROM SalesLT.ProductCategory WHERE Name LIKE N'%Bike%')
-- next
SELECT * FROM SalesLT.Customer c WHERE EXISTS (SELECT 1 FROM SalesLT.SalesOrderHeader h WHERE h.CustomerID = c.CustomerID)
-- next
SELECT * FROM SalesLT.Customer c WHERE NOT EXISTS (SELECT 1 FROM SalesLT.SalesOrderHeader h WHERE h.CustomerID = c.CustomerID)
-- next
SELECT p.Name, (SELECT COUNT(*) FROM SalesLT.SalesOrderDetail d WHERE d.ProductID = p.ProductID) AS times_sold FROM SalesLT.Product p
-- next
SELECT x.cat, x.cnt FROM (SELECT ProductCategoryID AS cat, COUNT(*) AS cnt FROM SalesLT.Product GROUP BY ProductCategoryID) AS x WHERE x.cnt > 5
-- next
SELECT * FROM SalesLT.Product WHERE ListPrice > ALL (SELECT ListPrice FROM SalesLT.Product WHERE Color = 'Red')
-- next
SELECT * FROM SalesLT.Product WHERE ListPrice > ANY (SELECT ListPrice FROM SalesLT.Product WHERE Color = 'Red')
-- next
SELECT ProductID, Name FROM SalesLT.Product ORDER BY ProductID OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY
-- next
SELECT ProductID FROM SalesLT.Product ORDER BY ProductID OFFSET 5 ROWS
-- next
SELECT ProductID FROM SalesLT.Product ORDER BY ProductID OFFSET 0 ROWS FETCH FIRST 1 ROW ONLY
-- next
SELECT TOP 5 * FROM SalesLT.Product ORDER BY ListPrice DESC
-- next
SELECT TOP (5) PERCENT * FROM SalesLT.Product ORDER BY ListPrice DESC
-- next
SELECT TOP 3 WITH TIES Name, ListPrice FROM SalesLT.Product ORDER BY ListPrice DESC
-- next
SELECT TOP (@n) Name FROM SalesLT.Product ORDER BY Name
-- next
SELECT * FROM (SELECT Color, ListPrice FROM SalesLT.Product) AS src
PIVOT (AVG(ListPrice) FOR Color IN ([Red], [Black], [Silver])) AS pvt
-- next
SELECT ProductID, attribute, value
FROM (SELECT ProductID, CAST(Color AS nvarchar(50)) AS Color, CAST(Size AS nvarchar(50)) AS Size FROM SalesLT.Product) p
UNPIVOT (value FOR attribute IN (Color, Size)) AS u
-- next
SELECT c.CustomerID, o.SalesOrderID
FROM SalesLT.Customer c
CROSS APPLY (SELECT TOP 1 SalesOrderID FROM SalesLT.SalesOrderHeader h WHERE h.CustomerID = c.CustomerID ORDER BY OrderDate DESC) AS o
-- next
SELECT c.CustomerID, o.SalesOrderID
FROM SalesLT.Customer c
OUTER APPLY (SELECT TOP 1 SalesOrderID FROM SalesLT.SalesOrderHeader h WHERE h.CustomerID = c.CustomerID) o
-- next
SELECT Name,
       CASE WHEN ListPrice < 100 THEN 'cheap' WHEN ListPrice < 1000 THEN 'mid' ELSE 'expensive' END AS band,
       CASE Color WHEN 'Red' THEN 1 ELSE 0 END AS is_red
FROM SalesLT.Product
-- next
SELECT UPPER(FirstName), LOWER(LastName), LEN(EmailAddress), LTRIM(RTRIM(Phone)), TRIM(CompanyName),
       SUBSTRING(EmailAddress, 1, CHARINDEX('@', EmailAddress) - 1) AS local_part,
       REPLACE(Phone, '-', ''), LEFT(LastName, 1), RIGHT(Phone, 4), REVERSE(FirstName),
       CONCAT(FirstName, N' ', LastName), CONCAT_WS(', ', LastName, FirstName), STUFF(Phone, 1, 3, 'xxx'),
       PATINDEX('%[0-9]%', Phone), REPLICATE('*', 3), FORMAT(ModifiedDate, 'yyyy-MM-dd')
FROM SalesLT.Customer
-- next
SELECT STRING_AGG(Name, ', ') WITHIN GROUP (ORDER BY Name) AS names FROM SalesLT.ProductCategory
-- next
SELECT value FROM STRING_SPLIT(@list, ',')
-- next
SELECT [Customer ID] = c.CustomerID, c.[CompanyName] AS [Company Name], [o].[Order Count]
FROM SalesLT.Customer AS c
JOIN (SELECT CustomerID, COUNT(*) AS [Order Count] FROM SalesLT.SalesOrderHeader GROUP BY CustomerID) AS [o] ON [o].CustomerID = c.CustomerID
-- next
SELECT [x]]y] FROM [my table]
-- next
SELECT "CompanyName" FROM "SalesLT"."Customer"
-- next
SELECT * FROM SalesLT.Customer WHERE LastName = N'Müller' OR FirstName = N'José' OR CompanyName = N'日本'
-- next
SELECT N'it''s', 'a ''quoted'' word', '', N'-- not a comment', '/* not a comment */', 'DROP TABLE t; DELETE FROM t'
-- next
-- the best customers
SELECT TOP 5 CustomerID /* the key */, CompanyName -- the name
FROM SalesLT.Customer /* all of them */
ORDER BY CustomerID
-- next
SELECT 1 AS one; -- trailing semicolon and comment
-- next
SELECT ProductID FROM SalesLT.Product FOR JSON PATH
-- next
SELECT ProductID, Name FROM SalesLT.Product FOR JSON PATH, ROOT('products'), INCLUDE_NULL_VALUES
-- next
SELECT ProductID FROM SalesLT.Product FOR JSON AUTO, WITHOUT_ARRAY_WRAPPER
-- next
SELECT ProductID, Name FROM SalesLT.Product FOR XML PATH('product'), ROOT('products')
-- next
SELECT * FROM SalesLT.Customer WHERE CustomerID = @id AND LastName = @name
-- next
SELECT * FROM SalesLT.SalesOrderHeader WHERE OrderDate BETWEEN @from AND @to AND Status IN (@s1, @s2)
-- next
SELECT @@VERSION AS version, @@SPID AS spid, @@SERVERNAME AS server, @@ROWCOUNT AS rc
-- next
SELECT DB_NAME(), SCHEMA_NAME(), OBJECT_ID(N'SalesLT.Customer'), SUSER_SNAME(), USER_NAME(), SERVERPROPERTY('Edition')
-- next
SELECT SYSDATETIME(), SYSUTCDATETIME(), GETDATE(), GETUTCDATE(), CURRENT_TIMESTAMP, SYSDATETIMEOFFSET()
-- next
SELECT SYSTEM_USER, SESSION_USER, CURRENT_USER, USER
-- next
SELECT DATEADD(day, 7, OrderDate), DATEDIFF(day, OrderDate, ShipDate), DATEPART(year, OrderDate),
       DATENAME(month, OrderDate), EOMONTH(OrderDate), YEAR(OrderDate), MONTH(OrderDate), DAY(OrderDate),
       DATEFROMPARTS(2024, 1, 31), DATETRUNC(month, OrderDate)
FROM SalesLT.SalesOrderHeader
-- next
SELECT CAST(ListPrice AS decimal(10, 2)), CONVERT(varchar(10), ModifiedDate, 120), TRY_CAST(Size AS int),
       TRY_CONVERT(int, Size), PARSE('1' AS int), ISNULL(Color, 'n/a'), COALESCE(Color, Size, 'none'),
       NULLIF(Color, ''), IIF(ListPrice > 100, 1, 0), CHOOSE(2, 'a', 'b')
FROM SalesLT.Product
-- next
SELECT COUNT(*), COUNT_BIG(*), COUNT(DISTINCT Color), MIN(ListPrice), MAX(ListPrice), AVG(ListPrice),
       SUM(ListPrice), STDEV(ListPrice), VAR(ListPrice), APPROX_COUNT_DISTINCT(Color)
FROM SalesLT.Product
-- next
SELECT Color, COUNT(*) AS n FROM SalesLT.Product GROUP BY Color HAVING COUNT(*) > 2 ORDER BY n DESC
-- next
SELECT Color, Size, SUM(ListPrice) FROM SalesLT.Product GROUP BY ROLLUP (Color, Size)
-- next
SELECT Color, Size, SUM(ListPrice) FROM SalesLT.Product GROUP BY CUBE (Color, Size)
-- next
SELECT Color, SUM(ListPrice) FROM SalesLT.Product GROUP BY GROUPING SETS ((Color), ())
-- next
SELECT Color FROM SalesLT.Product UNION SELECT Size FROM SalesLT.Product
-- next
SELECT Color FROM SalesLT.Product INTERSECT SELECT Color FROM SalesLT.Product WHERE ListPrice > 100
-- next
SELECT Color FROM SalesLT.Product EXCEPT SELECT Color FROM SalesLT.Product WHERE ListPrice > 100
-- next
(SELECT TOP 1 Name FROM SalesLT.Product ORDER BY ListPrice) UNION ALL (SELECT TOP 1 Name FROM SalesLT.Product ORDER BY ListPrice DESC)
-- next
SELECT DISTINCT Color FROM SalesLT.Product WHERE Color IS NOT NULL AND Name NOT LIKE 'HL%' ESCAPE '\'
-- next
SELECT * FROM SalesLT.Product WITH (NOLOCK) WHERE ProductID = 1
-- next
SELECT * FROM SalesLT.Product AS p WITH (INDEX(PK_Product_ProductID), FORCESEEK) WHERE p.ProductID > 5
-- next
SELECT * FROM SalesLT.Product OPTION (RECOMPILE, MAXDOP 1)
-- next
SELECT t.name AS table_name, s.name AS schema_name, p.rows
FROM sys.tables t
JOIN sys.schemas s ON s.schema_id = t.schema_id
JOIN sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1)
-- next
SELECT c.name, ty.name AS type_name, c.max_length, c.is_nullable
FROM sys.columns c JOIN sys.types ty ON ty.user_type_id = c.user_type_id
WHERE c.object_id = OBJECT_ID(@table)
-- next
SELECT * FROM OPENJSON(@json) WITH (id int '$.id', name nvarchar(100) '$.name')
-- next
SELECT JSON_VALUE(@json, '$.a'), JSON_QUERY(@json, '$.b'), ISJSON(@json)
-- next
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, letter)
-- next
SELECT 0x1F AS bin, 1e3 AS flt, -1.5 AS neg, .5 AS half, $5 AS money_value, NULL AS nothing
-- next
SELECT a + b - c * d / e % f, a & b, a | b, a ^ b, ~a FROM nums WHERE a <> b AND a != c AND a >= 1 AND b <= 2 AND NOT a < 0
-- next
SELECT Name COLLATE Latin1_General_CS_AS FROM SalesLT.Product
-- next
SELECT * FROM SalesLT.Product TABLESAMPLE (10 PERCENT)
-- next
SELECT NEWID(), RAND(), ABS(-1), CEILING(1.5), FLOOR(1.5), ROUND(1.55, 1), POWER(2, 10), SQRT(16), LOG(10), PI()
-- next
SELECT GREATEST(1, 2, 3), LEAST(1, 2, 3)
-- next
SELECT * FROM #temp_results
-- next
SELECT geography::Point(47.65, -122.35, 4326).STAsText()
-- next
SELECT ProductID, ListPrice, PERCENT_RANK() OVER (ORDER BY ListPrice) AS pr,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ListPrice) OVER (PARTITION BY Color) AS median
FROM SalesLT.Product
-- next
SELECT CustomerID FROM SalesLT.Customer WHERE CustomerID % 2 = 0 AND (FirstName LIKE 'A%' OR FirstName LIKE 'B%')
-- next
select top 5 * from saleslt.product order by listprice desc
-- next
SELECT x.*, y.[sp] FROM x JOIN y ON x.id = y.id
-- next
SELECT [delete], [select], [drop table] FROM t
-- next
SELECT * FROM t WHERE note = 'EXEC xp_cmdshell ''dir''' OR note LIKE '%WAITFOR DELAY%'
-- next
SELECT $PARTITION.pf(OrderDate) FROM SalesLT.SalesOrderHeader
-- next
SELECT SalesOrderID FROM SalesLT.SalesOrderHeader FOR SYSTEM_TIME AS OF '2024-01-01'
-- next
SELECT * FROM AdventureWorksLT.SalesLT.Customer
-- next
SELECT c.CustomerID FROM [AdventureWorksLT].[SalesLT].[Customer] AS c
-- next
SELECT * FROM adventureworkslt..Customer
-- next
SELECT * FROM Reporting.dbo.DailySales
-- next
SELECT * FROM SalesLT.Product WITH (NOLOCK, INDEX(PK_Product_ProductID))
-- next
SELECT * FROM SalesLT.Product (READUNCOMMITTED)
-- next
SELECT * FROM SalesLT.Product WITH (READPAST, ROWLOCK)
-- next
SELECT * FROM SalesLT.Product WITH (FORCESCAN, NOWAIT)
-- next
SELECT * FROM SalesLT.vProductAndDescription WITH (NOEXPAND)
-- next
SELECT * FROM SalesLT.Product WITH (READCOMMITTED) OPTION (OPTIMIZE FOR UNKNOWN, KEEPFIXED PLAN)
-- next
SELECT p.Name, c.Name FROM SalesLT.Product AS p
INNER LOOP JOIN SalesLT.ProductCategory AS c ON c.ProductCategoryID = p.ProductCategoryID
OPTION (HASH JOIN, FORCE ORDER, FAST 10)
-- next
WITH r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 500) SELECT n FROM r OPTION (MAXRECURSION 1000)
-- next
SELECT SESSION_CONTEXT(N'tenant') AS tenant, CONTEXT_INFO() AS info, RAND() AS r
-- next
SELECT name, type_desc FROM sys.database_principals
-- next
SELECT name, size FROM sys.database_files
-- next
SELECT * FROM dbo.credentials
-- next
SELECT p.CatalogDescription.value('(/*:ProductDescription/*:Summary)[1]', 'nvarchar(400)') AS summary
FROM SalesLT.ProductModel AS p
-- next
SELECT n.c.value('(id)[1]', 'int') AS id, n.c.query('.') AS frag
FROM dbo.Docs AS d CROSS APPLY d.Body.nodes('/root/item') AS n(c)
WHERE d.Body.exist('/root') = 1
-- next
SELECT TOP 5 CustomerID FROM SalesLT.Customer (NOLOCK) ORDER BY CustomerID
-- next
SELECT TOP 5 c.CustomerID FROM SalesLT.Customer AS c WITH (NOLOCK, READPAST) ORDER BY c.CustomerID
-- next
SELECT LEN((SELECT TOP 1 FirstName FROM SalesLT.Customer ORDER BY CustomerID)) AS n
-- next
SELECT STUFF((SELECT N',' + LastName FROM SalesLT.Customer FOR XML PATH('')), 1, 1, N'') AS names
-- next
SELECT PARSE(N'Montag, 13 Dezember 2010' AS datetime2 USING 'de-DE') AS d
-- next
SELECT TRY_PARSE(@amount AS decimal(10, 2) USING 'de-DE') AS amount,
       TRY_PARSE(N'13/12/2010' AS date USING 'en-GB') AS day
-- next
SELECT PARSE(N'€345,98' AS money USING 'de-DE') AS price, PARSE(N'12' AS int) AS n
-- next
WITH XMLNAMESPACES ('uri:products' AS p)
SELECT ProductID AS [p:ID], Name AS [p:Name] FROM SalesLT.Product FOR XML RAW('p:product')
-- next
WITH XMLNAMESPACES ('uri:products' AS p), cheap AS (SELECT ProductID FROM SalesLT.Product)
SELECT ProductID FROM cheap FOR XML PATH('p:product')
-- next
SELECT ProductID FROM SalesLT.ProductDescription WHERE CONTAINS(Description, N'aluminum', LANGUAGE 1033)
-- next
SELECT ProductID FROM SalesLT.ProductDescription
WHERE FREETEXT((Description), @words, LANGUAGE N'English')
-- next
SELECT ct.ProductID, ct.SYS_CHANGE_OPERATION FROM CHANGETABLE(CHANGES SalesLT.Product, @since) AS ct
-- next
SELECT p.Name, ct.SYS_CHANGE_VERSION
FROM SalesLT.Product AS p
CROSS APPLY CHANGETABLE(VERSION SalesLT.Product, (ProductID), (p.ProductID)) AS ct
-- next
SELECT ct.ProductID FROM CHANGETABLE(CHANGES AdventureWorksLT.SalesLT.Product, 0, FORCESEEK) AS ct
-- next
-- newer T-SQL: SQL Server 2022 and 2025, Azure SQL Database
SELECT GREATEST(6.5, 3.5, 7) AS greatest_of_numbers
-- next
SELECT LEAST('6.62', 3.1415, N'7') AS least_of_mixed
-- next
SELECT name, GREATEST(a, b) AS g FROM t
-- next
SELECT DATETRUNC(month, CAST('2021-12-08 11:30:15.1234567' AS datetime2)) AS m
-- next
SELECT DATETRUNC(iso_week, @d) AS w
-- next
SELECT DATE_BUCKET(WEEK, 1, CAST('2020-04-30 00:00:00' AS datetime2)) AS b
-- next
SELECT DATE_BUCKET(DAY, 2, CAST('2020-04-30' AS date), CAST('2020-01-01' AS date)) AS b
-- next
SELECT value FROM GENERATE_SERIES(1, 10)
-- next
SELECT value FROM GENERATE_SERIES(1.0, 2.0, 0.5)
-- next
SELECT s.value FROM GENERATE_SERIES(1, 5) AS s
-- next
SELECT JSON_OBJECT('name':'value', 'type':1) AS j
-- next
SELECT JSON_OBJECT('name':'value', 'type':NULL ABSENT ON NULL) AS j
-- next
SELECT JSON_OBJECT() AS j
-- next
SELECT JSON_OBJECT('name':'value', 'type':JSON_ARRAY(1, 2)) AS j
-- next
SELECT JSON_OBJECT('a':1 RETURNING json) AS j
-- next
SELECT JSON_ARRAY('a', 1, 'b', 2) AS j
-- next
SELECT JSON_ARRAY('a', 1, NULL, 2 NULL ON NULL) AS j
-- next
SELECT JSON_PATH_EXISTS(N'{"info":{"address":[{"town":"Paris"}]}}', '$.info.address') AS e
-- next
SELECT ISJSON('true', VALUE) AS v
-- next
SELECT ISJSON('test string', SCALAR) AS s
-- next
SELECT ISJSON(@j, OBJECT) AS o
-- next
SELECT JSON_OBJECTAGG(c1:c2) AS j FROM (VALUES('key1', 'c'), ('key2', 'b')) AS t(c1, c2)
-- next
SELECT JSON_ARRAYAGG('testData') AS j
-- next
SELECT JSON_ARRAYAGG(c1 ORDER BY c1) AS j FROM (VALUES('c'), ('b'), ('a')) AS t(c1)
-- next
SELECT JSON_VALUE(@j, '$.a' RETURNING int) AS v
-- next
SELECT JSON_CONTAINS(@j, 1, '$.a') AS c
-- next
SELECT JSON_MODIFY(@j, '$.a', 2) AS m
-- next
SELECT id FROM t WHERE a IS DISTINCT FROM b
-- next
SELECT id FROM t WHERE a IS NOT DISTINCT FROM @p
-- next
SELECT id, SUM(a) OVER win AS s, AVG(a) OVER win AS v FROM t WINDOW win AS (PARTITION BY g ORDER BY id)
-- next
SELECT id, ROW_NUMBER() OVER (win ORDER BY id) AS r FROM t WINDOW win AS (PARTITION BY g)
-- next
SELECT g, APPROX_PERCENTILE_CONT(0.10) WITHIN GROUP(ORDER BY a) AS p FROM t GROUP BY g
-- next
SELECT g, APPROX_PERCENTILE_DISC(0.90) WITHIN GROUP(ORDER BY a) AS p FROM t GROUP BY g
-- next
SELECT APPROX_COUNT_DISTINCT(a) AS n FROM t
-- next
SELECT LTRIM('123abc.', '123.') AS r
-- next
SELECT RTRIM('.123abc.', 'abc.') AS r
-- next
SELECT TRIM('.,! ' FROM '     #     test    .') AS r
-- next
SELECT TRIM(LEADING '.,! ' FROM '     .#     test    .') AS r
-- next
SELECT TRIM(TRAILING '.,! ' FROM '     .#     test    .') AS r
-- next
SELECT TRIM(BOTH '123' FROM '123abc123') AS r
-- next
SELECT value, ordinal FROM STRING_SPLIT('Lorem ipsum dolor', ' ', 1)
-- next
SELECT value FROM STRING_SPLIT('a,b', ',')
-- next
SELECT BIT_COUNT(CAST(-1 AS smallint)) AS c
-- next
SELECT LEFT_SHIFT(12345, 5) AS s
-- next
SELECT RIGHT_SHIFT(12345, 5) AS s
-- next
SELECT 12345 << 5 AS l, 12345 >> 5 AS r
-- next
SELECT GET_BIT(0xabcdef, 2) AS b
-- next
SELECT SET_BIT(0x00, 2) AS b, SET_BIT(0xabcdef, 0, 0) AS c
-- next
SELECT DATEADD(microsecond, CAST(9223372036 AS bigint), CAST('2000-01-01' AS datetime2)) AS d
-- next
SELECT DATEDIFF_BIG(millisecond, '2000-01-01', '2020-01-01') AS d
-- next
SELECT id FROM t WHERE REGEXP_LIKE(name, '^A.*')
-- next
SELECT id FROM t WHERE REGEXP_LIKE(name, '^a', 'i')
-- next
SELECT REGEXP_REPLACE(name, '[0-9]', '#') AS r FROM t
-- next
SELECT REGEXP_SUBSTR(name, '[a-z]+', 1, 1, 'i') AS r FROM t
-- next
SELECT REGEXP_COUNT(name, 'a') AS r FROM t
-- next
SELECT REGEXP_INSTR(name, 'a', 1, 1, 0, 'i') AS r FROM t
-- next
SELECT * FROM REGEXP_MATCHES('Learning #AzureSQL #SQLServer', '#([A-Za-z0-9_]+)')
-- next
SELECT * FROM REGEXP_SPLIT_TO_TABLE('the quick brown fox', '\s+')
-- next
SELECT CURRENT_DATE AS d
-- next
SELECT 'a' || 'b' AS c
-- next
SELECT first_name || ' ' || last_name AS n FROM t
-- next
SELECT PRODUCT(a) AS p FROM t
-- next
SELECT PRODUCT(a) OVER (PARTITION BY g) AS p FROM t
-- next
SELECT UNISTR(N'Hello! \D83D\DE03') AS u
-- next
SELECT UNISTR(N'ABC#00C0#0181#0187', '#') AS u
-- next
SELECT BASE64_ENCODE(0xA9) AS e
-- next
SELECT BASE64_ENCODE(CAST('hello' AS varbinary(10)), 1) AS e
-- next
SELECT BASE64_DECODE('qQ==') AS d
-- next
SELECT EDIT_DISTANCE('Colour', 'Color') AS d
-- next
SELECT EDIT_DISTANCE_SIMILARITY('Colour', 'Color') AS s
-- next
SELECT JARO_WINKLER_DISTANCE('Colour', 'Color') AS d, JARO_WINKLER_SIMILARITY('Colour', 'Color') AS s
-- next
SELECT CAST('{"a":1}' AS json) AS j
-- next
SELECT CAST('[1,2,3]' AS vector(3)) AS v
-- next
SELECT VECTOR_DISTANCE('cosine', CAST('[1,1]' AS vector(2)), CAST('[-1,-1]' AS vector(2))) AS d
-- next
SELECT VECTOR_NORM(CAST('[1,2,3]' AS vector(3)), 'norm2') AS n
-- next
SELECT VECTOR_NORMALIZE(CAST('[1,2,3]' AS vector(3)), 'norm2') AS n
-- next
SELECT VECTORPROPERTY(CAST('[1,2,3]' AS vector(3)), 'Dimensions') AS n
-- next
WITH XMLNAMESPACES (DEFAULT 'urn:x') SELECT 1 AS a FOR XML RAW
-- next
WITH XMLNAMESPACES ('urn:p' AS p, DEFAULT 'urn:x') SELECT 1 AS [p:a] FOR XML RAW
-- next
WITH XMLNAMESPACES ('urn:p' AS p) SELECT 1 AS [p:a] FOR XML RAW
-- next
SELECT FIRST_VALUE(a) IGNORE NULLS OVER (ORDER BY id) AS f FROM t
-- next
SELECT LAST_VALUE(a) RESPECT NULLS OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS f FROM t
-- next
SELECT LAG(a) IGNORE NULLS OVER (ORDER BY id) AS f FROM t
-- next
SELECT STRING_AGG(name, ',') WITHIN GROUP (ORDER BY name) AS s FROM t
-- next
SELECT TRIM(name) AS n FROM t
-- next
SELECT SUBSTRING('abcdef', 3) AS s
-- next
SELECT DATEPART(iso_week, @d) AS w
-- next
SELECT CURRENT_TIMEZONE() AS tz, CURRENT_TIMEZONE_ID() AS tzid
-- next
SELECT SYSDATETIME() AS n
-- next
SELECT JSON_ARRAY('a', 1 RETURNING json) AS j
-- next
SELECT JSON_ARRAY('a', NULL ABSENT ON NULL RETURNING json) AS j
-- next
SELECT JSON_ARRAY() AS j
-- next
SELECT JSON_OBJECT('a':NULL NULL ON NULL) AS j
-- next
SELECT JSON_OBJECTAGG(c1:c2 NULL ON NULL RETURNING json) AS j FROM (VALUES('k', NULL)) AS t(c1, c2)
-- next
SELECT JSON_ARRAYAGG(c1 NULL ON NULL) AS j FROM (VALUES('a'), (NULL)) AS t(c1)
-- next
SELECT JSON_ARRAYAGG(c1 ORDER BY c1 ABSENT ON NULL RETURNING json) AS j FROM (VALUES('a')) AS t(c1)
-- next
SELECT g, JSON_ARRAYAGG(a) OVER (PARTITION BY g) AS j FROM t
-- next
SELECT JSON_QUERY(@j, '$.credit_cards[*].type' WITH ARRAY WRAPPER) AS types
-- next
SELECT JSON_QUERY(@j, '$.a') AS q
-- next
SELECT JSON_QUERY(@j) AS q
-- next
SELECT JSON_VALUE(@j, '$.price' RETURNING decimal(10, 2)) AS v
-- next
SELECT CAST('[1,2,3]' AS vector(3, float16)) AS v
-- next
SELECT t.id, s.distance FROM VECTOR_SEARCH(TABLE = dbo.articles AS t, COLUMN = embedding, SIMILAR_TO = @qv, METRIC = 'cosine', TOP_N = 10) AS s ORDER BY s.distance
-- next
SELECT c.chunk FROM AI_GENERATE_CHUNKS(SOURCE = 'All work and no play', CHUNK_TYPE = FIXED, CHUNK_SIZE = 5) AS c
-- next
SELECT TRIM(LEADING FROM '  x') AS r
-- next
SELECT id, SUM(a) OVER w1 AS s FROM t WINDOW w1 AS (w2 ORDER BY id), w2 AS (PARTITION BY g)
-- next
SELECT DATE_BUCKET(MINUTE, 15, d) AS b, COUNT(*) AS n FROM t GROUP BY DATE_BUCKET(MINUTE, 15, d)
-- next
SELECT t.id, s.value FROM t CROSS APPLY GENERATE_SERIES(1, t.n) AS s
-- next
SELECT value FROM STRING_SPLIT(@list, ',', 1) WHERE ordinal = 2
-- next
SELECT ISJSON(@j, ARRAY) AS a
-- next
SELECT CURRENT_TRANSACTION_ID() AS x
-- next
SELECT SUBSTRING(name, 2) AS s FROM t
-- next
SELECT ('a' || 'b') || 'c' AS c
-- next
SELECT PRODUCT(DISTINCT a) AS p FROM t
-- next
SELECT CASE WHEN REGEXP_LIKE(name, '^a') THEN 1 ELSE 0 END AS m FROM t
-- next
WITH XMLNAMESPACES (DEFAULT 'urn:x'), c AS (SELECT 1 AS a) SELECT a FROM c FOR XML RAW
-- next
WITH XMLNAMESPACES (DEFAULT 'urn:x') SELECT x.value('(/a)[1]', 'int') AS v FROM t
-- next
SELECT p2.name FROM dbo.Person AS p, dbo.friendOf AS f, dbo.Person AS p2
WHERE MATCH(p-(f)->p2) AND p.name = N'Alice'
