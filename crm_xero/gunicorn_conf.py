"""gunicorn's settings for the web process.

`gunicorn --config python:crm_xero.gunicorn_conf crm_xero.wsgi`

The Dockerfile, docker-compose.yml and the benchmark start gunicorn with this file (the last two
override bind, workers or timeout on the command line, which wins over a config file).

The access log leaves out query strings and the Referer header: the Xero callback's query holds
the OAuth authorisation code and state (/integrations/xero/callback?code=...), and list and
search pages' queries hold what people searched for. `%(U)s` is the path alone; gunicorn's
default `%(r)s` (the request line) and `%(f)s` (the referrer) would carry them.
"""

bind = "0.0.0.0:8000"
workers = 3
timeout = 75
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
