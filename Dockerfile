# AI-Trader Service. One image, two modes:
#   docker run -p 8080:8080 -v trader-data:/data ai-trader                 (serve: API + worker)
#   docker run -v trader-data:/data ai-trader batch --start 2025-09-02 --end 2025-09-30
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/trader.db \
    HUEY_PATH=/data/huey.db \
    HOST=0.0.0.0 \
    API_PORT=8080

WORKDIR /app
COPY setup.cfg pyproject.toml README.md schema.sql wsgi.py Procfile ./
COPY migrations ./migrations
COPY service ./service
COPY tasks ./tasks
COPY bin ./bin
RUN pip install --no-cache-dir -e . \
    && useradd --create-home --uid 10001 trader \
    && mkdir -p /data \
    && chown trader /data

USER 10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', os.environ.get('API_PORT', '8080')) + '/health', timeout=4)"]
ENTRYPOINT ["bin/docker-entrypoint"]
CMD ["serve"]
