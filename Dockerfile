# One image for every Rongrian process: web (gunicorn), worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY complaints ./complaints
COPY assessment ./assessment
COPY workers ./workers
COPY templates ./templates
COPY migrations ./migrations
COPY data ./data
RUN pip install -e . && useradd --create-home --uid 10001 rongrian \
    && mkdir -p /app/instance /app/beat && chown rongrian /app/instance /app/beat

USER rongrian
ENV RONGRIAN_INSTANCE=/app/instance
EXPOSE 8000
CMD ["gunicorn", "--config", "python:complaints.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "3", "complaints:create_app()"]
