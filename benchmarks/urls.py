"""The project's URLs and the benchmark's floor view (benchmarks only, see instrument.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import Resolver404, path, resolve

from crm_xero.urls import urlpatterns as project_urlpatterns

_rendered: dict[str, bytes] = {}


def floor(request: HttpRequest) -> HttpResponse:
    """The tab at `?of=` as this process first rendered it, answered from memory."""
    of = request.GET.get("of", "")
    if of not in _rendered:
        try:
            match = resolve(of)
        except Resolver404:
            return HttpResponseBadRequest("of: not a URL of this site")
        _rendered[of] = match.func(request, *match.args, **match.kwargs).content
    return HttpResponse(_rendered[of])


urlpatterns = [path("bench/floor/", floor), *project_urlpatterns]
