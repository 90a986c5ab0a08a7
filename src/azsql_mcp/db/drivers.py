"""Find an ODBC driver for SQL Server, in this order:

1. the configured `driver` (a registered name or the full path of a driver library);
2. "ODBC Driver 18 for SQL Server" registered with unixODBC;
3. Microsoft's Driver 18 inside the `mssql-python-odbc` wheel, loaded by full path;
4. "ODBC Driver 17 for SQL Server";
5. FreeTDS (`tdsodbc`).
"""

from __future__ import annotations

import importlib.util
import platform
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Literal

from azsql_mcp.api import DatabaseError

DriverKind = Literal["msodbc", "freetds"]

MS_DRIVER_18 = "ODBC Driver 18 for SQL Server"
MS_DRIVER_17 = "ODBC Driver 17 for SQL Server"
FREETDS_NAMES = ("FreeTDS", "TDS")

INSTALL_HINT = (
    "Install one of: `pip install mssql-python-odbc` (Microsoft's Driver 18, Linux x86_64, "
    "needs `apt-get install unixodbc`); Microsoft's msodbcsql18 package "
    "(learn.microsoft.com/sql/connect/odbc/linux-mac/"
    "installing-the-microsoft-odbc-driver-for-sql-server); "
    "or FreeTDS with `apt-get install tdsodbc`."
)

# Which lib folder of the wheel fits which Linux distribution (from /etc/os-release).
_WHEEL_DISTROS = {
    "debian": "debian_ubuntu",
    "ubuntu": "debian_ubuntu",
    "rhel": "rhel",
    "fedora": "rhel",
    "centos": "rhel",
    "rocky": "rhel",
    "almalinux": "rhel",
    "ol": "rhel",
    "amzn": "rhel",
    "mariner": "rhel",
    "azurelinux": "rhel",
    "sles": "suse",
    "suse": "suse",
    "opensuse": "suse",
    "opensuse-leap": "suse",
    "alpine": "alpine",
}


class DriverNotFound(DatabaseError):
    """No usable ODBC driver; the message lists what was tried and what to install."""


@dataclass(frozen=True)
class Driver:
    """An ODBC driver: `name` goes into DRIVER={...}; `kind` decides the keywords."""

    kind: DriverKind  # FreeTDS needs SERVER + PORT and TDS_Version, and must never get
    # fast_executemany (it crashes the client process, see tds-wire-facts.md); azsql-mcp
    # never enables fast_executemany.
    name: str
    description: str

    @property
    def major_version(self) -> int | None:
        """Microsoft's driver version from its name or library file (17, 18), if known."""
        if self.kind != "msodbc":
            return None
        found = _MS_VERSION.search(self.name)
        return int(found.group(1) or found.group(2)) if found else None


# "ODBC Driver 17 for SQL Server", ".../libmsodbcsql-17.10.so.6.1", "libmsodbcsql.18.dylib"
_MS_VERSION = re.compile(r"ODBC Driver (\d+)|msodbcsql[-.]?(\d+)", re.IGNORECASE)


def kind_of(driver_name: str) -> DriverKind:
    lowered = driver_name.lower()
    return "freetds" if "freetds" in lowered or "tdsodbc" in lowered else "msodbc"


def find_driver(configured: str | None = None) -> Driver:
    """The driver to use, or DriverNotFound listing every place that was looked at."""
    return _find_driver(configured, tuple(_registered_drivers()))


@lru_cache(maxsize=8)
def _find_driver(configured: str | None, registered: tuple[str, ...]) -> Driver:
    if configured:
        return _configured_driver(configured, registered)
    tried: list[str] = []
    if MS_DRIVER_18 in registered:
        return Driver("msodbc", MS_DRIVER_18, f"{MS_DRIVER_18} (registered with unixODBC)")
    tried.append(f"{MS_DRIVER_18!r} registered with unixODBC")
    wheel = _wheel_driver()
    if wheel is not None:
        return wheel
    tried.append("the mssql-python-odbc package")
    if MS_DRIVER_17 in registered:
        return Driver("msodbc", MS_DRIVER_17, f"{MS_DRIVER_17} (registered with unixODBC)")
    tried.append(f"{MS_DRIVER_17!r}")
    for name in FREETDS_NAMES:
        if name in registered:
            return Driver("freetds", name, f"FreeTDS (registered with unixODBC as {name!r})")
    tried.append("FreeTDS registered as 'FreeTDS'")
    registered_text = ", ".join(registered) or "none"
    raise DriverNotFound(
        f"No ODBC driver for SQL Server found. Tried: {'; '.join(tried)}. "
        f"Registered ODBC drivers: {registered_text}. {INSTALL_HINT}"
    )


def _wheel_driver() -> Driver | None:
    library = wheel_driver_path()
    if library is None:
        return None
    description = f"Microsoft ODBC Driver 18 from the mssql-python-odbc package ({library})"
    return Driver("msodbc", str(library), description)


def _configured_driver(configured: str, registered: tuple[str, ...]) -> Driver:
    if configured in registered:
        return Driver(kind_of(configured), configured, f"{configured} (configured)")
    if Path(configured).is_file():
        return Driver(kind_of(configured), configured, f"{configured} (configured library)")
    # the package's Driver 18 is not registered with unixODBC, but it is the driver named
    if configured == MS_DRIVER_18 and (wheel := _wheel_driver()) is not None:
        return wheel
    raise DriverNotFound(
        f"The configured driver {configured!r} is neither registered with unixODBC "
        f"(registered: {', '.join(registered) or 'none'}) nor a driver library file. "
        "Fix `driver` in the source's settings or remove it to let azsql-mcp find one. "
        + INSTALL_HINT
    )


def load_driver_manager() -> ModuleType:
    """pyodbc, which loads unixODBC's driver manager (libodbc) as it is imported: without
    it, what to install, not an ImportError's traceback."""
    try:
        import pyodbc
    except ImportError as exc:
        raise DriverNotFound(
            f"pyodbc could not load the ODBC driver manager ({exc}). Install unixODBC:"
            " `apt-get install unixodbc` (Debian, Ubuntu), `dnf install unixODBC` (RHEL,"
            " Fedora), `brew install unixodbc` (macOS); then a driver. " + INSTALL_HINT
        ) from exc
    return pyodbc


def _registered_drivers() -> list[str]:
    return list(load_driver_manager().drivers())


def wheel_driver_path() -> Path | None:
    """Microsoft's driver library inside the installed mssql-python-odbc package, if any."""
    spec = importlib.util.find_spec("mssql_python_odbc")
    if spec is None or not spec.submodule_search_locations:
        return None
    libs = Path(next(iter(spec.submodule_search_locations))) / "libs"
    system = platform.system().lower()
    machine = {"amd64": "x86_64", "aarch64": "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    folders = [libs / system / distro / machine for distro in _distro_folders()]
    folders += sorted(p for p in (libs / system).glob(f"*/{machine}") if p not in folders)
    folders.append(libs / system / machine)  # layouts without a distribution level
    for folder in folders:
        found = sorted(folder.glob("lib/libmsodbcsql*.so*")) + sorted(
            folder.glob("lib/libmsodbcsql*.dylib")
        )
        if found:
            return found[-1]
    return None


def _distro_folders() -> list[str]:
    """Wheel lib folders matching this Linux distribution, best first."""
    try:
        release = platform.freedesktop_os_release()
    except OSError:
        return []
    ids = [release.get("ID", ""), *release.get("ID_LIKE", "").split()]
    folders = [_WHEEL_DISTROS[i] for i in ids if i in _WHEEL_DISTROS]
    return list(dict.fromkeys(folders))
