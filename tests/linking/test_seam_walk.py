"""The walk of a contact tab opening (docs/seam.md): view → selector → the seam's reads → the
cache → the one send function, each file entered once, recorded from the Python call stack while
a cold tab opens against the sandbox."""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from django.test import Client

from linking.models import XeroConnection, XeroLink
from linking.xero import client as xero_client
from linking.xero import fanout
from sandbox import seed
from sandbox.models import Contact as XeroContact
from tests.factories import OrganizationFactory, XeroLinkFactory
from tests.sessions import sign_in_with_sso

ROOT = Path(__file__).resolve().parents[2]
PROJECT = (ROOT / "linking", ROOT / "crm_xero")

Walk = tuple[tuple[str, bool], ...]  # (file, whether the frame is a callback), outermost first

# The walk a fan-out worker continues: the submitting thread, and its walk into the fan-out.
_submitter: contextvars.ContextVar[tuple[int, Walk]] = contextvars.ContextVar(
    "submitter", default=(0, ())
)


def _project_file(frame: FrameType) -> str | None:
    """The frame's file relative to the repository, when it is the project's own code."""
    path = frame.f_code.co_filename
    if not path.startswith(tuple(str(p) + "/" for p in PROJECT)):
        return None
    return str(Path(path).relative_to(ROOT))


def _is_callback(frame: FrameType) -> bool:
    return "<lambda>" in frame.f_code.co_qualname or "<locals>" in frame.f_code.co_qualname


def _walk(frame: FrameType) -> Walk:
    """The project frames from this thread's start to `frame`."""
    frames = []
    current: FrameType | None = frame
    while current is not None:
        if (file := _project_file(current)) is not None:
            frames.append((file, _is_callback(current)))
        current = current.f_back
    return tuple(reversed(frames))


def entries(walk: Walk) -> list[str]:
    """The files a walk enters, in order. Framework and library frames in between do not count;
    consecutive frames in one file are one entry; a callback (a lambda or nested function)
    handed down from a file already on the walk runs as part of the call that made it: it
    enters nothing, and what it calls in its own file enters nothing either."""
    entered: list[str] = []
    current = None
    for file, callback in walk:
        if callback and file in entered:
            current = file  # back in the owner's code, on its behalf
            continue
        if file != current:
            entered.append(file)
            current = file
    return entered


class Recorder:
    """Every walk to a project function called while recording, in every thread; a fan-out
    worker's walks continue its submitter's."""

    def __init__(self) -> None:
        self.walks: list[Walk] = []
        self.sends: list[list[str]] = []
        self._lock = threading.Lock()
        self._starts: dict[int, Walk] = {}

    def _start(self) -> Walk:
        """Where this thread's walks start: after its submitter's walk, for a fan-out worker."""
        thread = threading.get_ident()
        if thread not in self._starts:
            submitter, walk = _submitter.get()
            self._starts[thread] = walk if submitter not in (0, thread) else ()
        return self._starts[thread]

    def __call__(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or _project_file(frame) is None:
            return
        with self._lock:
            walk = self._start() + _walk(frame)
            if frame.f_code is fanout.parallel.__code__:
                _submitter.set((threading.get_ident(), walk))  # workers copy this context
            self.walks.append(walk)
            if frame.f_code is xero_client._send.__code__:
                self.sends.append(entries(walk))

    def run(self, action: Callable[[], Any]) -> Any:
        def recorded() -> Any:
            threading.setprofile(self)
            sys.setprofile(self)
            try:
                return action()
            finally:
                sys.setprofile(None)
                threading.setprofile(None)

        return contextvars.copy_context().run(recorded)


@pytest.fixture
def user_client(sso_user) -> Client:
    client = Client()
    sign_in_with_sso(client, sso_user)
    return client


@pytest.fixture
def linked(sandbox_connection: XeroConnection) -> Iterator[str]:
    """An organization linked to a sandbox contact; its tab's URL."""
    contact = XeroContact.objects.get(
        organisation__organisation_id=seed.AU_TENANT_ID, name="Young Bros Transport"
    )
    org = OrganizationFactory(name="Young Bros Transport (CRM)")
    XeroLinkFactory(
        record=org,
        tenant_id=sandbox_connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=contact.contact_id,
        xero_name=contact.name,
    )
    yield f"/xero/tab/organization/{org.pk}/"


def from_view(walk: list[str]) -> list[str]:
    return walk[walk.index("linking/views/record_tab.py") :]


def test_a_cold_contact_tab_enters_each_file_once_on_its_way_to_the_send(user_client, linked):
    recorder = Recorder()

    response = recorder.run(lambda: user_client.get(linked))

    assert response.status_code == 200
    assert "Young Bros Transport" in response.content.decode()
    # No walk goes back into a file of the way to the send. (The cache is entered once on
    # the way to each send, below; a list's loader writes its owner index into the cache
    # beside that way, from inside the cache's load: docs/seam.md.)
    # The contact, its invoices and its credit notes: three sends, each by the same way.
    assert len(recorder.sends) == 3
    way = {file for send in recorder.sends for file in from_view(send)}
    walks = [entries(walk) for walk in recorder.walks]
    twice = {file for walk in walks for file in walk if walk.count(file) > 1}
    # Leaves beside the way may be called more than once (with Redis, the fetch lock is taken
    # and later given back: two calls into locks.py from the cache); the way's files may not.
    assert twice & way <= {"linking/xero/cache.py"}
    for send in recorder.sends:
        assert from_view(send) == [
            "linking/views/record_tab.py",
            "linking/views/contact_tab.py",
            "linking/selectors.py",
            "linking/xero/reads.py",
            "linking/xero/fanout.py",
            "linking/xero/cache.py",
            "linking/xero/client.py",
        ]


def test_a_warm_contact_tab_stops_at_the_cache(user_client, linked):
    user_client.get(linked)
    recorder = Recorder()

    response = recorder.run(lambda: user_client.get(linked))

    assert response.status_code == 200
    assert recorder.sends == []
    reads = [
        from_view(entered)
        for walk in recorder.walks
        if "linking/views/record_tab.py" in (entered := entries(walk))
        and "linking/xero/reads.py" in entered
    ]
    assert reads, "the tab asked the seam"
    assert all(walk.count(file) == 1 for walk in reads for file in walk)
    assert max(reads, key=len)[:5] == [
        "linking/views/record_tab.py",
        "linking/views/contact_tab.py",
        "linking/selectors.py",
        "linking/xero/reads.py",
        "linking/xero/cache.py",
    ]
