"""The sample's CLR type columns: SalesLT.Address.SpatialLocation (geography, as in
AdventureWorks' Person.Address) and SalesLT.Employee.OrganizationNode (hierarchyid, as in
AdventureWorks' HumanResources.Employee, on a small table of its own).

Values are stored as SQL Server serializes them (clr_types.py). Locations are derived
from each address's region and id, without the sample's random generator, so that the
rest of the sample comes out as before.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from ..engine.clr_types import geography_point, hierarchyid_parse

EMPLOYEE_TABLE = "SalesLT.Employee"
SPATIAL_COLUMN = "SpatialLocation"
WGS84 = 4326

EMPLOYEE_DDL = """CREATE TABLE SalesLT.Employee (
    EmployeeID int NOT NULL,
    LoginID nvarchar(256) NOT NULL,
    JobTitle nvarchar(50) NOT NULL,
    OrganizationNode hierarchyid NULL,
    rowguid uniqueidentifier NOT NULL CONSTRAINT DF_Employee_rowguid DEFAULT (newid()),
    ModifiedDate datetime NOT NULL CONSTRAINT DF_Employee_ModifiedDate DEFAULT (getdate()),
    CONSTRAINT PK_Employee_EmployeeID PRIMARY KEY CLUSTERED (EmployeeID)
)"""

# (id, login, job title, organization node): the node says who reports to whom
_EMPLOYEES: tuple[tuple[int, str, str, str], ...] = (
    (1, "adventure-works\\ken0", "Chief Executive Officer", "/"),
    (2, "adventure-works\\terri0", "Vice President of Engineering", "/1/"),
    (3, "adventure-works\\roberto0", "Engineering Manager", "/1/1/"),
    (4, "adventure-works\\rob0", "Senior Tool Designer", "/1/1/1/"),
    (5, "adventure-works\\gail0", "Design Engineer", "/1/1/2/"),
    (6, "adventure-works\\jossef0", "Design Engineer", "/1/1/3/"),
    (7, "adventure-works\\david0", "Marketing Manager", "/2/"),
    (8, "adventure-works\\kevin0", "Marketing Assistant", "/2/1/"),
    (9, "adventure-works\\mary0", "Marketing Specialist", "/2/2/"),
    (10, "adventure-works\\james1", "Vice President of Production", "/3/"),
    (11, "adventure-works\\peter0", "Production Control Manager", "/3/1/"),
    (12, "adventure-works\\brian3", "Vice President of Sales", "/4/"),
)
EMPLOYEE_COUNT = len(_EMPLOYEES)
EMPLOYEE_COLUMNS = [
    "EmployeeID",
    "LoginID",
    "JobTitle",
    "OrganizationNode",
    "rowguid",
    "ModifiedDate",
]

# Roughly the middle of each region of the sample (latitude, longitude).
_REGION_CENTRES = {
    "Washington": (47.4, -120.5),
    "Oregon": (43.9, -120.6),
    "California": (36.8, -119.4),
    "Texas": (31.0, -99.9),
    "Ontario": (45.4, -75.7),
    "British Columbia": (49.3, -123.1),
    "Québec": (46.8, -71.2),
    "England": (51.5, -0.1),
}


def employee_rows() -> list[tuple[object, ...]]:
    stamp = datetime(2022, 1, 3)
    return [
        (id_, login, title, hierarchyid_parse(node), uuid.UUID(int=id_, version=4), stamp)
        for id_, login, title, node in _EMPLOYEES
    ]


def spatial_location(address_id: int, state: str) -> bytes:
    """geography::Point near the centre of the address's region."""
    lat, long = _REGION_CENTRES[state]
    spread = (address_id * 7919) % 1000 / 1000  # 0 to 1, the same on every run
    return geography_point(round(lat + spread - 0.5, 4), round(long + 1 - 2 * spread, 4), WGS84)
