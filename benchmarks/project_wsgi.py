"""The project's WSGI application as built, instrumented (benchmarks/instrument.py)."""

from benchmarks import instrument
from crm_xero.wsgi import application as project

application = instrument.install(project)
