# syntax=docker/dockerfile:1
# azsql-mcp server image. Not built in CI (no Docker engine runs there):
# tests/unit/test_deploy.py checks that it installs what `make install` installs.
#
# Debian 12 on purpose: the package names below are the Makefile's, and Debian 13
# renamed some of them (libssl3 became libssl3t64).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --upgrade pip
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
COPY docs ./docs
# `make install` installs .[dev], which is .[msodbc] plus test and lint tools; the image
# takes only the runtime part: the project and Microsoft's ODBC driver 18 from its wheel
# (x86_64 only; on other machines the extra is empty and FreeTDS is the driver).
RUN /opt/venv/bin/pip install '.[msodbc]'

FROM ${PYTHON_IMAGE}
# The ODBC stack, exactly DEB_PACKAGES of the Makefile: unixODBC (Microsoft's driver needs
# it too), FreeTDS, Kerberos/GSSAPI and OpenSSL for the drivers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      unixodbc tdsodbc libkrb5-3 libgssapi-krb5-2 libssl3 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 azsql \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin azsql
COPY --from=builder /opt/venv /opt/venv
# Default config: replace it by mounting a file over this path (the Kubernetes ConfigMap
# does) or override keys with AZSQL_MCP_* environment variables.
COPY <<'EOF' /etc/azsql-mcp/azsql-mcp.toml
# azsql-mcp image default. Add [sources.NAME] sections (or AZSQL_MCP_SOURCES__NAME__*
# variables) for your databases.
[server]
# No per-client state in the process: any replica can answer any request.
stateless_http = true

# The image listens on 0.0.0.0, and the server refuses to do that without client
# authentication. Choose one before the container will start:
#   [server.auth] mode = "entra", "jwt" or "static_tokens"  (docs/operations.md; entra
#   and jwt also need base_url, the URL clients use), or
#   [server.auth] allow_unauthenticated = true  when a gateway in front authenticates.
EOF
# The listener is set here, not by CMD flags, so that `check` and `config` judge and show
# it as `serve` uses it. Variables outrank the config file; `serve --port N` outranks them.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AZSQL_MCP_CONFIG=/etc/azsql-mcp/azsql-mcp.toml \
    AZSQL_MCP_SERVER__TRANSPORT=http \
    AZSQL_MCP_SERVER__HOST=0.0.0.0 \
    AZSQL_MCP_SERVER__PORT=8000
USER 10001:10001
EXPOSE 8000
# /health answers 503 while a required database source is not ready (curl is not in slim images).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
# Exec form: azsql-mcp is PID 1 and receives SIGTERM itself for a graceful shutdown.
ENTRYPOINT ["azsql-mcp"]
CMD ["serve"]
