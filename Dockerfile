# tipdesk API image (used by docker-compose.yml for both `migrate` and `api`).
#
# The package is installed *editable* from the source tree copied to /srv/tipdesk. app/db/migrations.py finds the
# Alembic scripts at `Path(__file__).resolve().parents[2] / "migrations"`, i.e. next to the `app` package. A regular
# `pip install .` would put `app` in site-packages, where no `migrations/` directory sits beside it; the editable
# install keeps `app` importable from /srv/tipdesk/app, so /srv/tipdesk/migrations is found wherever the `tipdesk`
# command is started from.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system tipdesk \
    && useradd --system --gid tipdesk --home-dir /srv/tipdesk --no-create-home --shell /usr/sbin/nologin tipdesk

WORKDIR /srv/tipdesk

# Dependencies first, in their own layer, so editing the code does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY alembic.ini ./
COPY migrations ./migrations
COPY seed ./seed
COPY app ./app
RUN pip install --no-deps -e . \
    && python -c "from app.db.migrations import MIGRATIONS_DIR; assert (MIGRATIONS_DIR / 'env.py').is_file(), MIGRATIONS_DIR"

# The code stays owned by root and read-only for the service user; the service writes nothing locally
# (use PostgreSQL through TIPDESK_DATABASE_URL).
USER tipdesk

EXPOSE 8000

CMD ["tipdesk", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
