"""The project's WSGI application with the naive baseline installed (benchmarks only)."""

from benchmarks import naive
from crm_xero.wsgi import application  # noqa: F401 (sets Django up)

naive.install()
