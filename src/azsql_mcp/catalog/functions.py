"""Table-valued functions as the catalog shows them: sys.objects types IF (SQL inline),
TF (SQL multi-statement) and FT (CLR), their parameters from sys.parameters.

A login sees a function, its parameters and its result columns when it holds a
permission on it ("Metadata visibility configuration"): SELECT, which "GRANT Object
Permissions" lists for table-valued functions and db_datareader holds on the database.
sys.parameters keeps a default value for CLR objects only ("sys.parameters":
has_default_value is 0 for Transact-SQL ones), so which parameters of a T-SQL function
have a default is not known without VIEW DEFINITION; a call passes every argument,
DEFAULT for one a parameter's default fills ("CREATE FUNCTION (Transact-SQL)").
"""

from __future__ import annotations

from pydantic import BaseModel

from azsql_mcp.catalog.names import escaped_text, qualified_text

# What a listing and a description call one, next to "table", "view" and "synonym".
TABLE_FUNCTION = "table function"


class FunctionParameter(BaseModel):
    name: str  # with its @
    type: str  # as declared: nvarchar(50), an alias or table type's name; READONLY for a TVP


def parameters_text(parameters: list[FunctionParameter]) -> str:
    """`@CustomerID int, @Name nvarchar(50)` (names escaped as escaped_text does)."""
    return ", ".join(f"{escaped_text(p.name)} {escaped_text(p.type)}" for p in parameters)


def call_text(schema: str, name: str, parameters: list[FunctionParameter]) -> str:
    """How a query reads the function: SELECT * FROM schema.fn(@p1, ...), each argument
    a read_data parameter of that name."""
    arguments = ", ".join(escaped_text(p.name) for p in parameters)
    return f"SELECT * FROM {qualified_text(schema, name)}({arguments})"


def function_lines(schema: str, name: str, parameters: list[FunctionParameter]) -> list[str]:
    """What a description of a table-valued function says before its columns."""
    taking = f"PARAMETERS ({parameters_text(parameters)})" if parameters else "NO PARAMETERS"
    read = f"Read it as {call_text(schema, name, parameters)}"
    if parameters:
        read += (
            ", each parameter's value in params (every argument is required:"
            " DEFAULT passes a parameter's default)"
        )
    return [taking, read]
