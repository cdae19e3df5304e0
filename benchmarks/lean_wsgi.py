"""The project's WSGI application with the lean baseline installed (benchmarks only)."""

from benchmarks import baselines, instrument
from crm_xero.wsgi import application as project

baselines.install_lean()
application = instrument.install(project)
