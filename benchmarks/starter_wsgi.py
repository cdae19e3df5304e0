"""The project's WSGI application with the starter-app baseline installed (benchmarks only)."""

from benchmarks import baselines, instrument
from crm_xero.wsgi import application as project

baselines.install_starter()
application = instrument.install(project)
