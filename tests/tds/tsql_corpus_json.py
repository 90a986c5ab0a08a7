# ruff: noqa: E501  (a data file: one case, one line, the SQL as written)
"""The differential corpus's cases for STRING_SPLIT, OPENJSON and the JSON functions
(JSON_VALUE, JSON_QUERY, JSON_MODIFY), as tsql_corpus.py's: test_tsql_corpus runs both."""

from __future__ import annotations

from tsql_corpus import Case, P

JSON_CASES: list[Case] = [
    # -- STRING_SPLIT / OPENJSON / JSON_VALUE / JSON_QUERY
    Case(
        "STRING_SPLIT",
        "SELECT value FROM STRING_SPLIT('red,green,,blue', ',')",
        [("red",), ("green",), ("",), ("blue",)],
    ),
    Case(
        "STRING_SPLIT",
        "SELECT value, ordinal FROM STRING_SPLIT('a b', ' ', 1) ORDER BY ordinal DESC",
        [("b", 2), ("a", 1)],
    ),
    Case("STRING_SPLIT", "SELECT COUNT(*) FROM STRING_SPLIT('x', ',')", [(1,)]),
    Case(  # value: the string's type and length (nvarchar beside an N'' separator); ordinal bigint
        "STRING_SPLIT",
        "SELECT value, ordinal FROM STRING_SPLIT('red,green,,blue', ',', 1) ORDER BY ordinal",
        [("red", 1), ("green", 2), ("", 3), ("blue", 4)],
        ["varchar(15)", "bigint"],
    ),
    Case(
        "STRING_SPLIT",
        "SELECT s.value FROM STRING_SPLIT('a,b', N',') AS s",
        [("a",), ("b",)],
        ["nvarchar(3)"],
    ),
    Case(  # the default schema's types
        "OPENJSON",
        'SELECT [key], value, type FROM OPENJSON(N\'{"a":1,"b":[1,2]}\')',
        [("a", "1", 2), ("b", "[1,2]", 4)],
        ["nvarchar(4000)", "nvarchar(max)", "tinyint"],
    ),
    Case(
        "OPENJSON",
        """SELECT [key], value, type FROM OPENJSON('{"a":1,"b":"x","c":[1,2],"d":true,"e":null,"f":{"g":1}}')""",
        [
            ("a", "1", 2),
            ("b", "x", 1),
            ("c", "[1,2]", 4),
            ("d", "true", 3),
            ("e", None, 0),
            ("f", '{"g":1}', 5),
        ],
    ),
    Case(
        "OPENJSON",
        """SELECT id, name FROM OPENJSON('[{"id":1,"name":"x"},{"id":2,"name":"y"}]') WITH (id int '$.id', name nvarchar(50) '$.name') ORDER BY id DESC""",
        [(2, "y"), (1, "x")],
    ),
    Case(
        "OPENJSON", """SELECT value FROM OPENJSON('{"a":{"b":[7,8]}}', '$.a.b')""", [("7",), ("8",)]
    ),
    Case("JSON_VALUE", """SELECT JSON_VALUE('{"a":{"b":"5"}}', '$.a.b')""", [("5",)]),
    Case("JSON_QUERY", """SELECT JSON_QUERY('{"a":{"b":5}}', '$.a')""", [('{"b":5}',)]),
    # -- JSON_VALUE / JSON_QUERY lax and strict (json_read.py): lax gives NULL, strict an error
    Case(
        "JSON_VALUE",
        """SELECT JSON_VALUE('{"a":1,"o":{},"t":true}', '$.missing'), JSON_VALUE('{"a":1,"o":{}}', 'lax $.o'), JSON_VALUE('{"a":1,"o":{},"t":true}', 'strict $.t'), JSON_QUERY('{"a":1}', '$.a'), JSON_QUERY('{"a":1}', '$.b'), JSON_QUERY('[1, 2]')""",
        [(None, None, "true", None, None, "[1,2]")],
    ),
    # JSON_VALUE is nvarchar(4000) text, a number's as written; compared with a number or
    # in arithmetic it converts to the number's type by data type precedence (comparisons.py)
    Case(
        "JSON_VALUE",
        """SELECT JSON_VALUE('{"a":5,"b":1.50,"t":true,"f":false}', '$.a'), JSON_VALUE('{"b":1.50}', '$.b'), JSON_VALUE('{"t":true}', '$.t'), JSON_VALUE('{"f":false}', '$.f')""",
        [("5", "1.50", "true", "false")],
        ["nvarchar(4000)"] * 4,
    ),
    Case(
        "JSON_VALUE",
        """SELECT CASE WHEN JSON_VALUE(j, '$.s') = 5 THEN 1 ELSE 0 END, CASE WHEN JSON_VALUE(j, '$.n') > 9 THEN 1 ELSE 0 END, CASE WHEN JSON_VALUE(j, '$.s') <> 5 THEN 1 ELSE 0 END, CASE WHEN JSON_VALUE(j, '$.s') IN (4, 5) THEN 1 ELSE 0 END, CASE WHEN JSON_VALUE(j, '$.n') BETWEEN 2 AND 11 THEN 1 ELSE 0 END, CASE WHEN JSON_VALUE(j, '$.d') <= 1.5 THEN 1 ELSE 0 END, JSON_VALUE(j, '$.n') * 2 FROM (SELECT N'{"s":"5","n":10,"d":1.50}' AS j) AS t""",
        [(1, 1, 0, 1, 1, 1, 20)],
        ["int", "int", "int", "int", "int", "int", "int"],
    ),
    Case(
        "JSON_VALUE",
        f"""SELECT ProductID FROM {P} WHERE ProductID > JSON_VALUE('{{"id":"0"}}', '$.id') AND ProductID = JSON_VALUE(CONCAT('{{"id":', ProductID, '}}'), '$.id') ORDER BY ProductID""",
        same_as=f"SELECT ProductID FROM {P} ORDER BY ProductID",
    ),
    Case(
        "JSON_VALUE",
        """DECLARE @id int = 10, @s nvarchar(5) = N'10'; SELECT CASE WHEN JSON_VALUE('{"n":10}', '$.n') = @id THEN 1 ELSE 0 END, CASE WHEN '9' < @id THEN 1 ELSE 0 END, CASE WHEN JSON_VALUE('{"n":10}', '$.n') = @s THEN 1 ELSE 0 END, CASE WHEN '9' < @s THEN 1 ELSE 0 END""",
        [(1, 1, 1, 0)],
    ),
    Case(
        "JSON_VALUE",
        """DECLARE @id int = 10; SELECT 1 WHERE JSON_VALUE('{"n":"x"}', '$.n') = @id""",
        error="Conversion failed when converting the nvarchar value 'x' to data type int.",
    ),
    Case(
        "JSON_VALUE",
        """SELECT 1 WHERE JSON_VALUE('{"a":"abc"}', '$.a') = 5""",
        error="Conversion failed when converting the nvarchar value 'abc' to data type int.",
    ),
    Case(
        "JSON_VALUE",
        f"""SELECT ProductID FROM {P} WHERE ProductID = JSON_VALUE('{{"id":"x"}}', '$.id')""",
        error="Conversion failed when converting the nvarchar value 'x' to data type int.",
    ),
    Case(
        "JSON_VALUE",
        """SELECT JSON_VALUE('{"a":1.5}', '$.a') * 2""",
        error="Conversion failed when converting the nvarchar value '1.5' to data type int.",
    ),
    Case(
        "JSON_VALUE",
        """SELECT JSON_VALUE('{"a":1}', 'strict $.missing')""",
        error="Property cannot be found on the specified JSON path.",
    ),
    Case(
        "JSON_VALUE",
        """SELECT JSON_VALUE('{"a":{"b":1}}', 'strict $.a')""",
        error="Scalar value cannot be found in the specified JSON path.",
    ),
    Case(
        "JSON_VALUE",
        """SELECT JSON_VALUE('not json', '$.a')""",
        error="JSON text is not properly formatted.",
    ),
    Case(
        "JSON_QUERY",
        """SELECT JSON_QUERY('{"a":1}', 'strict $.a')""",
        error="Object or array cannot be found in the specified JSON path.",
    ),
    Case(
        "JSON_QUERY",
        """SELECT JSON_QUERY('{"a":', '$.a')""",
        error="JSON text is not properly formatted.",
    ),
    # -- JSON_MODIFY: lax/strict, append, NULL deletes in lax mode (the page's examples)
    Case(
        "JSON_MODIFY",
        """SELECT JSON_MODIFY(JSON_MODIFY(JSON_MODIFY('{"name":"John","skills":["C#","SQL"]}', '$.name', 'Mike'), '$.surname', 'Smith'), 'append $.skills', 'Azure'), JSON_MODIFY('{"name":"John","age":7}', '$.name', NULL)""",
        [('{"name":"Mike","skills":["C#","SQL","Azure"],"surname":"Smith"}', '{"age":7}')],
        ["nvarchar(max)", "nvarchar(max)"],
    ),
    Case(
        "JSON_MODIFY",
        """SELECT JSON_MODIFY('{"s":1}', '$.s', '["a","b"]'), JSON_MODIFY('{"s":1}', '$.s', JSON_QUERY('["a","b"]')), JSON_MODIFY('{"price":49.99}', '$.Price', CAST(JSON_VALUE('{"price":49.99}', '$.price') AS numeric(4,2)))""",
        [('{"s":"[\\"a\\",\\"b\\"]"}', '{"s":["a","b"]}', '{"price":49.99,"Price":49.99}')],
    ),
    Case(
        "JSON_MODIFY",
        """SELECT JSON_MODIFY('{"a":1}', 'strict $.a', NULL), JSON_MODIFY('{"a":1}', '$.b', NULL), JSON_MODIFY('{"a":1}', 'lax $.x.y', 5), JSON_MODIFY('{"a":[1,2]}', '$.a[1]', 3), JSON_MODIFY(NULL, '$.a', 1)""",
        [('{"a":null}', '{"a":1}', '{"a":1}', '{"a":[1,3]}', None)],
    ),
    Case(
        "JSON_MODIFY",
        """SELECT JSON_MODIFY('{"a":1}', 'strict $.b', 2)""",
        error="Property cannot be found on the specified JSON path.",
    ),
    Case(
        "JSON_MODIFY",
        """SELECT JSON_MODIFY('{"a":1}', 'a.b', 2)""",
        error="JSON path is not properly formatted.",
    ),
]
