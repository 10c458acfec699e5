# AI-Trader Service: the API (gunicorn) and the worker (huey_consumer) in one image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/trader.db \
    HUEY_PATH=/data/huey.db \
    API_PORT=8080

WORKDIR /app
COPY setup.cfg pyproject.toml README.md schema.sql wsgi.py Procfile ./
COPY service ./service
COPY tasks ./tasks
COPY bin ./bin
RUN pip install --no-cache-dir -e . \
    && useradd --create-home --uid 1000 trader \
    && mkdir -p /data && chown trader /data

USER trader
VOLUME ["/data"]
EXPOSE 8080
CMD ["sh", "-c", "python -m service.cli.release && exec honcho start --port ${PORT:-$API_PORT} web worker"]
