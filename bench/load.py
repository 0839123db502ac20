"""Protocol-level load client: many Streamlit sessions without a browser.

A browser tab talks to ``streamlit run`` over one websocket (``/_stcore/stream``): it sends
``BackMsg`` protobufs and receives ``ForwardMsg`` protobufs, one per frame. :class:`Session`
does what the tab does, with no rendering, using the ``websockets`` client (a dependency of
Streamlit 1.67, whose server runs on Starlette and uvicorn; tornado is not installed):

* connect with the ``streamlit`` subprotocol and a same-origin ``Origin`` header (no XSRF
  token is needed: it only guards the auth cookie, which this app does not use);
* ask for a run with ``BackMsg.rerun_script`` (a ``ClientState``: page_script_hash, query
  string, widget states, the browser's context info and the hashes of the messages it has
  cached); the first run of a tab names no page, later runs name the page of a sidebar link;
* read until ``script_finished``: ``FINISHED_EARLY_FOR_RERUN`` (``st.rerun()``, e.g. after
  sign-in) means another run follows, ``FINISHED_SUCCESSFULLY`` ends the view, anything
  else fails it. A view's time runs from sending the request to that message.
* sign in like the form does: the two text inputs' values and the submit button's
  ``trigger_value`` go in one rerun (``WidgetStateManager.submitForm`` in the frontend);
* keep the frontend's message cache (``metadata.cacheable`` messages, evicted after
  ``max_cached_message_age`` runs) and send its hashes, so the server answers with
  ``ref_hash`` references as it does for a browser.

A view counts as rendered when its run finished successfully, showed the page asked for (the
``navigation`` message names it), sent at least one delta and showed no exception and no
error alert (this app turns a failing section into ``st.error``).

:func:`run_load` signs in N sessions (a few at a time), then lets all of them open every page
of the app at once and times each view, either at a reading pace (a pause drawn from a range
before each click) or with no pause at all (a stress test of the server's throughput). A
browser's sidebar link sends the states of the widgets that stay on screen (the shared sidebar
filters, unchanged); this client sends none: the server then takes the values it kept in the
session, so the page runs the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Navigation_pb2 import Navigation
from streamlit.proto.TextInput_pb2 import TextInput
from streamlit.proto.WidgetStates_pb2 import WidgetState

SIGN_IN_AT_ONCE = 5          # sessions signing in at the same time
BUSY_PREFIX = "Data sedang diperbarui"   # monev.ui.data.BUSY_MESSAGE: the database was busy
EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN   # a run cut short by st.rerun() or a new request


class ViewFailed(Exception):
    """A view did not render: the reason is the message."""


@dataclass
class Run:
    """What one request (a rerun until ``FINISHED_SUCCESSFULLY``) brought back."""

    seconds: float = 0.0
    messages: int = 0
    bytes: int = 0
    deltas: int = 0              # delta messages, including cached ones sent by reference
    status: int | None = None    # the last script_finished status
    started: bool = False        # its first run has started (new_session seen)
    problems: list[str] = field(default_factory=list)   # exceptions, error alerts, ...
    text_inputs: list[TextInput] = field(default_factory=list)
    submit_ids: list[str] = field(default_factory=list)  # form submit buttons

    @property
    def ok(self) -> bool:
        """Finished successfully, with content and without an error shown."""
        return (self.status == ForwardMsg.FINISHED_SUCCESSFULLY and self.deltas > 0
                and not self.problems)


@dataclass
class View:
    """One timed view of one session."""

    session: int
    page: str
    kind: str                    # "form" (first run), "sign-in" or "page"
    seconds: float
    ok: bool
    deltas: int = 0
    messages: int = 0
    bytes: int = 0
    error: str = ""


class Session:
    """One browser tab of the app, spoken over Streamlit's websocket protocol."""

    def __init__(self, port: int, limit_s: float = 60.0, host: str = "127.0.0.1") -> None:
        """Remember where the app is; nothing connects yet."""
        self.base = f"http://{host}:{port}"
        self.url = f"ws://{host}:{port}/_stcore/stream"
        self.limit_s = limit_s
        self.ws = None
        self.pages: dict[str, str] = {}      # page title -> page_script_hash
        self.page_hash = ""                  # the page shown now
        self.position = Navigation.HIDDEN    # where the navigation is shown
        self.max_age = 2                     # new_session.config.max_cached_message_age
        self.run_count = 0
        self.cache: dict[str, int] = {}      # message hash -> run count when last used

    async def connect(self) -> None:
        """Open the websocket as a same-origin page would."""
        from websockets.asyncio.client import connect

        try:
            self.ws = await connect(self.url, subprotocols=["streamlit"], origin=self.base,
                                    proxy=None, ping_interval=None, max_size=None,
                                    open_timeout=self.limit_s)
        except Exception as exc:
            raise ViewFailed(f"no connection: {type(exc).__name__}: {exc}"[:120]) from exc

    async def close(self) -> None:
        """Close the websocket (the server ends the session)."""
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), timeout=10)
            self.ws = None

    @property
    def signed_in(self) -> bool:
        """The app shows its navigation in the sidebar only to a signed-in user."""
        return self.position != Navigation.HIDDEN

    def title_of(self, page_hash: str) -> str:
        """The title of a page by its hash ("" when unknown)."""
        return next((t for t, h in self.pages.items() if h == page_hash), "")

    async def rerun(self, page_hash: str = "", widgets: Sequence[WidgetState] = ()) -> Run:
        """Ask for a run and read until it has finished (at most ``limit_s``).

        After a time-out the session stays open, like a tab whose user clicks on: what the late
        run still sends arrives before the next run's ``new_session`` and is not counted.
        """
        state = ClientState(query_string="", page_script_hash=page_hash,
                            cached_message_hashes=list(self.cache))
        state.widget_states.widgets.extend(widgets)
        ctx = state.context_info
        ctx.timezone, ctx.timezone_offset, ctx.locale = "Asia/Jakarta", -420, "id-ID"
        ctx.url, ctx.is_embedded, ctx.color_scheme = self.base + "/", False, "light"
        msg = BackMsg()
        msg.rerun_script.CopyFrom(state)
        run = Run()
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(self.limit_s):
                await self.ws.send(msg.SerializeToString())
                while True:
                    raw = await self.ws.recv()
                    fwd = ForwardMsg()
                    fwd.ParseFromString(raw)
                    if self._take(fwd, raw, run):
                        break
        except TimeoutError:      # the session goes on; the late run's rest is skipped
            raise ViewFailed(f"no answer within {self.limit_s:g} s") from None
        except Exception as exc:
            await self.close()
            raise ViewFailed(f"{type(exc).__name__}: {exc}"[:120]) from exc
        run.seconds = time.perf_counter() - t0
        return run

    def _take(self, fwd: ForwardMsg, raw: bytes, run: Run) -> bool:
        """Account for one message; True when the run asked for has ended."""
        kind = fwd.WhichOneof("type")
        if fwd.metadata.cacheable and kind != "ref_hash" and fwd.hash not in self.cache:
            self.cache[fwd.hash] = self.run_count
        if kind == "ref_hash" and fwd.ref_hash in self.cache:
            self.cache[fwd.ref_hash] = self.run_count
        if kind == "navigation":
            nav = fwd.navigation
            self.pages = {p.page_name: p.page_script_hash for p in nav.app_pages}
            self.page_hash, self.position = nav.page_script_hash, nav.position
        elif kind == "new_session":       # every run starts with one
            run.started = True
            self.max_age = fwd.new_session.config.max_cached_message_age or self.max_age
            run.text_inputs.clear()
            run.submit_ids.clear()
        elif kind == "script_finished" and fwd.script_finished != EARLY:
            self.run_count += 1             # the frontend's ForwardMsgCache.incrementRunCount
            self.cache = {h: n for h, n in self.cache.items()
                          if self.run_count - n <= self.max_age}
        if not run.started:                 # the end of an earlier run given up on
            return False
        run.messages += 1
        run.bytes += len(raw)
        if kind == "ref_hash":
            run.deltas += 1
            if fwd.ref_hash not in self.cache:
                run.problems.append("cached message missing")
        elif kind == "delta":
            run.deltas += 1
            if fwd.delta.WhichOneof("type") == "new_element":
                self._element(fwd.delta.new_element, run)
        elif kind == "page_not_found":
            run.problems.append("page not found")
        elif kind == "session_event" and fwd.session_event.HasField(
                "script_compilation_exception"):
            run.problems.append("script compilation error")
        elif kind == "script_finished":
            run.status = fwd.script_finished
            return run.status != EARLY      # after st.rerun() the next run follows
        return False

    @staticmethod
    def _element(el: Element, run: Run) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            run.problems.append(f"exception: {el.exception.type}: {el.exception.message}"[:100])
        elif kind == "alert" and el.alert.format == Alert.ERROR:
            run.problems.append(f"error shown: {el.alert.body}"[:100])
        elif kind == "alert" and el.alert.body.startswith(BUSY_PREFIX):
            run.problems.append("database busy")
        elif kind == "text_input":
            run.text_inputs.append(el.text_input)
        elif kind == "button" and el.button.is_form_submitter:
            run.submit_ids.append(el.button.id)

    async def open(self) -> Run:
        """Connect and load the app's first page, as typing its address does."""
        if self.ws is None:
            await self.connect()
        return await self.rerun()

    async def sign_in(self, form: Run, user: str, password: str) -> Run:
        """Submit the sign-in form shown by ``form`` (user name, password, submit button)."""
        if len(form.text_inputs) < 2 or not form.submit_ids:
            raise ViewFailed("no sign-in form")
        name = next((w for w in form.text_inputs if w.type != TextInput.PASSWORD), None)
        secret = next((w for w in form.text_inputs if w.type == TextInput.PASSWORD), None)
        if name is None or secret is None:
            raise ViewFailed("no user name or password field")
        widgets = [WidgetState(id=name.id, string_value=user),
                   WidgetState(id=secret.id, string_value=password),
                   WidgetState(id=form.submit_ids[0], trigger_value=True)]
        return await self.rerun(self.page_hash, widgets)

    async def open_page(self, title: str) -> Run:
        """Open a page as its sidebar link does (the page's hash, no widget states)."""
        if title not in self.pages:
            raise ViewFailed(f"no page {title!r} in the navigation")
        wanted = self.pages[title]
        run = await self.rerun(wanted)
        if run.status == ForwardMsg.FINISHED_SUCCESSFULLY and self.page_hash != wanted:
            run.problems.append(f"showed {self.title_of(self.page_hash) or 'another page'}")
        return run


@dataclass
class LoadResult:
    """What :func:`run_load` measured."""

    sessions: int
    pages: list[str] = field(default_factory=list)
    limit_s: float = 60.0
    think_s: tuple[float, float] = (0.0, 0.0)   # pause before each view (uniform, seconds)
    views: list[View] = field(default_factory=list)
    planned: dict[str, int] = field(default_factory=dict)   # kind -> views to make
    signed_in: int = 0
    sign_in_s: float = 0.0       # how long signing every session in took
    wall_s: float = 0.0          # how long the browsing phase took
    server_cpu_s: float = 0.0    # server CPU seconds during the browsing phase
    machine_cpu_s: float = 0.0   # whole machine's CPU seconds during it
    client_cpu_s: float = 0.0    # this load client's CPU seconds during it
    failures: list[str] = field(default_factory=list)

    def made(self, kind: str) -> list[View]:
        """The views of one kind that were made (finished, failed or timed out)."""
        return [v for v in self.views if v.kind == kind]

    def times(self, kind: str, page: str | None = None) -> list[float]:
        """Sorted response times of one kind of view (optionally one page); failed views and
        views never made (a session lost or the phase out of time) count as the limit."""
        views = [v for v in self.made(kind) if page is None or v.page == page]
        times = [v.seconds if v.ok else self.limit_s for v in views]
        if page is None:
            times += [self.limit_s] * max(0, self.planned.get(kind, 0) - len(times))
        return sorted(times)

    def quantile(self, q: float, kind: str, page: str | None = None) -> float | None:
        """A quantile of :meth:`times` (inclusive method), None without views."""
        return quantile(self.times(kind, page), q)

    def failed(self, kind: str) -> int:
        """Views of one kind that failed or were never made."""
        made = self.made(kind)
        return sum(not v.ok for v in made) + max(0, self.planned.get(kind, 0) - len(made))


def quantile(times: Sequence[float], q: float) -> float | None:
    """The q-quantile of times (inclusive method); None when empty."""
    if len(times) < 2:
        return times[0] if times else None
    return statistics.quantiles(times, n=100, method="inclusive")[round(q * 100) - 1]


def _view(session: int, page: str, kind: str, run: Run | None, error: str = "",
          elapsed: float = 0.0) -> View:
    """A View from a finished request, or (run None) from one that failed after elapsed s."""
    if run is None:
        return View(session, page, kind, elapsed, False, error=error)
    problem = error or "; ".join(run.problems[:2])
    if not problem and not run.ok:
        problem = ("nothing shown" if run.deltas == 0 else f"script_finished {run.status}")
    return View(session, page, kind, run.seconds, run.ok and not error, run.deltas,
                run.messages, run.bytes, problem)


async def _sign_in(i: int, port: int, user: str, password: str, limit_s: float,
                   gate: asyncio.Semaphore, result: LoadResult) -> Session | None:
    """Open session i and sign it in (a few at a time); the signed-in session or None."""
    session, signed = Session(port, limit_s), False
    try:
        async with gate:
            t0, step = time.perf_counter(), "form"
            try:
                form = await session.open()
                result.views.append(_view(i, "sign-in form", "form", form))
                result.pages = result.pages or list(session.pages)   # even if sign-in fails
                step = "submit"
                run = await session.sign_in(form, user, password)
                error = "" if session.signed_in else "still on the sign-in form"
                result.views.append(_view(i, session.title_of(session.page_hash), "sign-in",
                                          run, error))
                signed = run.ok and not error
            except ViewFailed as exc:
                result.views.append(_view(i, step, "sign-in", None, str(exc),
                                          time.perf_counter() - t0))
    finally:
        if not signed:
            await session.close()
    return session if signed else None


async def _browse(i: int, session: Session, titles: list[str], rounds: int,
                  result: LoadResult, pause: Callable[[], float]) -> None:
    """Session i opens every page in turn (starting at page i), rounds times, waiting
    ``pause()`` seconds before each view (the time a person reads the page before)."""
    order = titles[i % len(titles):] + titles[:i % len(titles)]
    for _ in range(rounds):
        for title in order:
            await asyncio.sleep(pause())
            if session.ws is None:                 # connection lost: the rest not made
                return
            t0 = time.perf_counter()
            try:
                run = await session.open_page(title)
                result.views.append(_view(i, title, "page", run))
            except Exception as exc:  # noqa: BLE001 - a failed view is a measurement
                error = str(exc) if isinstance(exc, ViewFailed) else type(exc).__name__
                if not isinstance(exc, ViewFailed):
                    await session.close()         # its stream may be out of step now
                result.views.append(_view(i, title, "page", None, error,
                                          time.perf_counter() - t0))


async def run_load(port: int, user: str, password: str, sessions: int = 30, rounds: int = 1,
                   limit_s: float = 60.0, phase_s: float = 600.0,
                   sign_in_at_once: int = SIGN_IN_AT_ONCE, pages: Sequence[str] = (),
                   think_s: tuple[float, float] = (0.0, 0.0), seed: int = 7,
                   cpu: Callable[[], tuple[float, float]] | None = None,
                   log: Callable[[str], None] | None = None) -> LoadResult:
    """N protocol sessions against the app on ``port``: sign in, then all browse at once.

    Each session signs in (``sign_in_at_once`` at a time), then, when all have, every session
    opens every page of the navigation (or only ``pages``), starting at a different page
    each, ``rounds`` times. Before each view a session pauses for a time drawn uniformly from
    ``think_s`` (seeded per session, so a rerun pauses the same; (0, 0): no pause, every
    session clicks as soon as its last view finished). One view waits at most ``limit_s``;
    signing in takes at most a third of ``phase_s``, both phases together at most ``phase_s``
    (views not made by then count as the limit). ``cpu`` returns (server, machine) CPU
    seconds so far; it is read around the browsing phase.
    """
    log = log or (lambda _msg: None)
    result = LoadResult(sessions=sessions, limit_s=limit_s, think_s=think_s)
    result.planned = {"sign-in": sessions}
    gate = asyncio.Semaphore(sign_in_at_once)
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(_sign_in(i, port, user, password, limit_s, gate, result))
             for i in range(sessions)]
    done, pending = await asyncio.wait(tasks, timeout=phase_s / 3)
    open_sessions = [t.result() for t in done if not t.exception() and t.result()]
    result.signed_in = len(open_sessions)
    result.sign_in_s = time.perf_counter() - t0
    if open_sessions:
        result.pages = list(open_sessions[0].pages)       # what a signed-in user sees
    titles = result.pages = [t for t in result.pages if not pages or t in pages]
    result.planned["page"] = sessions * len(titles) * rounds
    log(f"  {result.signed_in} of {sessions} sessions signed in in {result.sign_in_s:.0f} s; "
        f"browsing {len(titles)} pages each …")
    server0, machine0 = cpu() if cpu else (0.0, 0.0)
    client0, t1 = time.process_time(), time.perf_counter()
    browsing = [asyncio.create_task(_browse(i, s, titles, rounds, result,
                                            functools.partial(random.Random(seed * 1000 + i)
                                                              .uniform, *think_s)))
                for i, s in enumerate(open_sessions)]
    late: set[asyncio.Task] = set()
    if browsing:
        _done, late = await asyncio.wait(browsing, timeout=phase_s - result.sign_in_s)
    result.wall_s = time.perf_counter() - t1
    result.client_cpu_s = time.process_time() - client0
    if cpu:
        server1, machine1 = cpu()
        result.server_cpu_s, result.machine_cpu_s = server1 - server0, machine1 - machine0
    for task in pending | late:
        task.cancel()
    if pending | late:
        await asyncio.wait(pending | late, timeout=20)
        result.failures.append(f"{len(pending | late)} sessions unfinished when the phase "
                               "stopped")
    await asyncio.gather(*(s.close() for s in open_sessions))
    counts: dict[str, int] = {}
    for v in result.views:
        if not v.ok:
            key = f"{v.kind} {v.page}: {v.error}".replace("  ", " ")
            counts[key] = counts.get(key, 0) + 1
    result.failures += [f"{k} ×{n}" if n > 1 else k for k, n in sorted(counts.items())]
    return result
