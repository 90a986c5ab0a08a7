"""What the server says it is: SQL Server 2022 (the default), 2019, 2017 or 2016
(`--edition sql-server-2016`...) or Azure SQL Database (`--edition azure-sql-database`),
and the compatibility level of its user database (`--compat-level`, the version's
highest by default). What a version or a level lacks fails as SQL Server fails it
(compat_levels.py).

The edition decides what the version functions answer and what the PRELOGIN and
LOGINACK tokens carry, and, for Azure SQL Database, three rules Microsoft documents:

- SERVERPROPERTY ("SERVERPROPERTY (Transact-SQL)"): EngineEdition 5, Edition 'SQL
  Azure', EditionID 1674378470, ProductVersion 12.0.2000.8 (Azure SQL Database's own
  numbering: "version 12 of Azure SQL Database is newer than version 16 of SQL Server");
  DATABASEPROPERTYEX answers Edition and ServiceObjective (a Standard S2 database here:
  on Basic, S0 and S1 the request DMVs want the server admin instead).
- The DMVs: VIEW SERVER STATE and VIEW SERVER PERFORMANCE STATE cannot be granted in
  Azure SQL Database (the server refuses such a --login); a user sees
  the other sessions of the current database with VIEW DATABASE STATE
  ("sys.dm_exec_sessions": "Requires VIEW DATABASE STATE to see all connections to the
  current database"), else only its own, and the DMVs that refuse ask VIEW DATABASE
  STATE too (dmv_permissions.py).
- One database per connection: `USE` of another database is error 40508 ("USE
  (Transact-SQL)"), and a three- or four-part name that names another database or a
  server is error 40515 ("Resolving Transact-SQL differences during migration to SQL
  Database"). sys.databases lists master and the current database, as the engine's
  always does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .sqlerror import TdsError

if TYPE_CHECKING:
    from .principals import Principal

SERVER_NAME = "azsql-mcp-test"


@dataclass(frozen=True)
class Edition:
    name: str  # as --edition takes it
    product_version: str  # SERVERPROPERTY('ProductVersion'), major.minor.build.revision
    product: str  # what @@VERSION says it emulates
    edition: str  # SERVERPROPERTY('Edition')
    engine_edition: int
    edition_id: int
    database_edition: str | None = None  # DATABASEPROPERTYEX(db, 'Edition')
    service_objective: str | None = None  # DATABASEPROPERTYEX(db, 'ServiceObjective')
    max_size_bytes: int | None = None  # DATABASEPROPERTYEX(db, 'MaxSizeInBytes')
    # sys.databases.compatibility_level of master (the version's highest, "ALTER
    # DATABASE compatibility level") and of the user database (--compat-level)
    max_compatibility_level: int = 160
    compatibility_level: int = 160

    def at_level(self, level: int) -> Edition:
        """This edition with its user database at compatibility level `level`, one of
        those the version supports (100 up to its own)."""
        levels = range(100, self.max_compatibility_level + 1, 10)
        if level not in levels:
            raise ValueError(
                f"{self.product} supports compatibility levels"
                f" {', '.join(map(str, levels))}; got {level}"
            )
        return replace(self, compatibility_level=level)

    @property
    def is_azure_sql_database(self) -> bool:
        return self.engine_edition == 5

    @property
    def before_2022(self) -> bool:
        """SQL Server 2019 and earlier: without the granular permissions 2022 added
        (VIEW SERVER PERFORMANCE STATE...), so VIEW SERVER STATE opens the DMVs."""
        return not self.is_azure_sql_database and int(self.product_version.split(".")[0]) < 16

    def version_string(self) -> str:
        """@@VERSION, which says what this really is; on Azure SQL Database after the
        first words clients test for ("Microsoft SQL Azure")."""
        import sqlite3  # only the engine, which has SQLite loaded, asks

        double = f"azsql-mcp TDS test server 0.1 (SQLite {sqlite3.sqlite_version})"
        if self.is_azure_sql_database:
            return (
                f"Microsoft SQL Azure (RTM) - {self.product_version} \n\t{double}:"
                f" emulating {self.product}; a test double, not SQL Server"
            )
        return (
            f"{double} - emulating {self.product} {self.product_version}; a test double,"
            " not SQL Server"
        )

    def server_property(self, name: str) -> object:
        major, minor, build, _ = self.product_version.split(".")
        return {
            "productversion": self.product_version,
            "productmajorversion": major,
            "productminorversion": minor,
            "productbuild": build,
            "productlevel": "RTM",
            "edition": self.edition,
            "engineedition": self.engine_edition,
            "editionid": self.edition_id,
            "servername": SERVER_NAME,
            "machinename": SERVER_NAME,
            "instancename": None,
            "collation": "SQL_Latin1_General_CP1_CI_AS",
            "isclustered": 0,
            "isfulltextinstalled": 0,
            "isintegratedsecurityonly": 0,
            "ishadrenabled": 0,
            "issingleuser": 0,
            "lcid": 1033,
        }.get(name.lower())

    @property
    def wire_version(self) -> tuple[int, int, int]:
        """Major, minor and build in PRELOGIN and LOGINACK: the product version's, as a
        driver and SERVERPROPERTY('ProductVersion') must agree."""
        major, minor, build, _ = (int(n) for n in self.product_version.split("."))
        return major, minor, build

    @property
    def microsoft_version(self) -> int:
        """@@MICROSOFTVERSION: major version in the high byte, build in the low word."""
        major, _, build, _ = (int(n) for n in self.product_version.split("."))
        return major << 24 | build

    def check_grants(self, principal: Principal) -> None:
        """A --login's grants must be grantable on this edition."""
        if self.before_2022:
            for grant in ("VIEW_SERVER_PERFORMANCE_STATE", "VIEW_DATABASE_PERFORMANCE_STATE"):
                if grant in principal.grants:
                    raise ValueError(
                        f"--login {principal.login}: {grant.replace('_', ' ')} is SQL Server"
                        f" 2022's; {self.product} has VIEW_{grant.split('_')[1]}_STATE"
                    )
        if not self.is_azure_sql_database:
            return
        for grant in ("VIEW_SERVER_STATE", "VIEW_SERVER_PERFORMANCE_STATE"):
            if grant in principal.grants:
                raise ValueError(
                    f"--login {principal.login}: {grant.replace('_', ' ')} cannot be granted"
                    " in Azure SQL Database; grant VIEW_DATABASE_STATE instead"
                )

    def check_use(self, current: str, target: str) -> None:
        if self.is_azure_sql_database and target.casefold() != current.casefold():
            raise TdsError(
                40508,
                "USE statement is not supported to switch between databases. Use a new"
                " connection to connect to a different database.",
                severity=16,
            )

    def check_reference(self, written: str, database: str, parts: tuple[str, ...]) -> None:
        """`parts`: the server and database parts of a name, outermost first ("" if
        not written). Azure SQL Database refuses any that names a server or another
        database (a temporary table's tempdb is the connection's own). Called on Azure
        SQL Database only."""
        server, catalog = ("", *parts)[-2:]
        if server or (catalog and catalog.casefold() not in (database.casefold(), "tempdb")):
            raise TdsError(
                40515,
                f"Reference to database and/or server name in '{written}' is not supported"
                " in this version of SQL Server.",
                severity=15,
            )


def _sql_server(year: int, version: str, level: int) -> Edition:
    return Edition(
        name=f"sql-server-{year}",
        product_version=version,
        product=f"Microsoft SQL Server {year}",
        edition="azsql-mcp TDS test server (emulating Developer Edition (64-bit))",
        engine_edition=3,
        edition_id=1,
        max_compatibility_level=level,
        compatibility_level=level,
    )


# The RTM builds ("SQL Server versions and builds"); the highest compatibility level of
# each ("ALTER DATABASE (Transact-SQL) compatibility level").
SQL_SERVER_2016 = _sql_server(2016, "13.0.1601.5", 130)
SQL_SERVER_2017 = _sql_server(2017, "14.0.1000.169", 140)
SQL_SERVER_2019 = _sql_server(2019, "15.0.2000.5", 150)
SQL_SERVER_2022 = Edition(
    name="sql-server-2022",
    product_version="16.0.1000.6",
    product="Microsoft SQL Server 2022",
    edition="azsql-mcp TDS test server (emulating Developer Edition (64-bit))",
    engine_edition=3,
    edition_id=1,
)
AZURE_SQL_DATABASE = Edition(
    name="azure-sql-database",
    product_version="12.0.2000.8",
    product="Azure SQL Database",
    edition="SQL Azure",
    engine_edition=5,
    edition_id=1674378470,
    database_edition="Standard",
    service_objective="S2",  # above S1: VIEW DATABASE STATE opens the request DMVs
    max_size_bytes=250 * 1024**3,
    # "ALTER DATABASE compatibility level": Azure SQL Database is engine 17, level 170 by
    # default, 100 to 170 supported
    max_compatibility_level=170,
    compatibility_level=170,
)
_ALL = (SQL_SERVER_2016, SQL_SERVER_2017, SQL_SERVER_2019, SQL_SERVER_2022, AZURE_SQL_DATABASE)
EDITIONS = {e.name: e for e in _ALL}
