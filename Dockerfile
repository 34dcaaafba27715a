# Hearth's container image: `docker build -t hearth .` (or podman). Multi-stage: the build stage
# installs Hearth and its dependencies into a virtualenv; the runtime stage copies it, runs as an
# unprivileged user and serves with `hearth serve`. No make, no compiler in the final image.
# docs/operations.md ("Container") explains the settings; scripts/container-smoke.sh checks it.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python3 -m venv /opt/hearth
WORKDIR /app
COPY pyproject.toml README.md policies.csv ./
COPY api ./api
COPY authz ./authz
COPY compat ./compat
COPY devdata ./devdata
COPY migrations ./migrations
COPY models ./models
COPY schema ./schema
COPY services ./services
# Editable: authz reads policies.csv (the reviewed permission matrix) from the source tree's root,
# which stays at /app in the runtime stage.
RUN /opt/hearth/bin/pip install --editable .

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 hearth \
 && useradd --system --uid 10001 --gid hearth --home-dir /var/lib/hearth --create-home hearth
COPY --from=build /opt/hearth /opt/hearth
COPY --from=build /app /app
ENV PATH=/opt/hearth/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HEARTH_ENV=production \
    HEARTH_HOST=0.0.0.0 \
    HEARTH_PORT=8000 \
    HEARTH_DATA_DIR=/var/lib/hearth
USER hearth
WORKDIR /var/lib/hearth
EXPOSE 8000
# Ready: the database answers and has every migration of this image (GET /readyz).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["hearth", "serve"]
