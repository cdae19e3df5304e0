# The production image: one image for the web process (gunicorn) and the Celery worker.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY crm_xero ./crm_xero
COPY linking ./linking
# The sandbox is only installed when XERO_CLIENT_ID is unset (a trial without a Xero app).
COPY sandbox ./sandbox
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install --no-cache-dir . \
 && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
 && useradd --system --home /app crm && chown -R crm /app
USER crm

EXPOSE 8000
# Bind, workers, timeout and an access log without query strings: crm_xero/gunicorn_conf.py.
CMD ["gunicorn", "--config", "python:crm_xero.gunicorn_conf", "crm_xero.wsgi"]
