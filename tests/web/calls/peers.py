"""What the call tests read in a page: its session in the call and, from the subscriber peer
connection's getStats(), how many video frames it decoded and audio samples it received per
(session, source) — through `window.__parta_call`, which the client's call test mode exposes."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from tests.support.waiting import until

RECEIVED = """async () => {
  const call = window.__parta_call;
  if (!call || !call.subscriber) return [];
  const byTrack = new Map(call.tracks().map((t) => [t.track_id, t]));
  const out = [];
  (await call.subscriber.getStats()).forEach((r) => {
    if (r.type !== 'inbound-rtp') return;
    const info = byTrack.get(r.trackIdentifier);
    if (!info) return;
    out.push({ session: info.session_id, source: info.source, packets: r.packetsReceived || 0,
               count: r.kind === 'video' ? (r.framesDecoded || 0) : (r.totalSamplesReceived || 0) });
  });
  return out;
}"""

STATE = """() => {
  const call = window.__parta_call;
  if (!call) return 'not in a call';
  const state = (pc) => (pc ? pc.connectionState : 'none');
  const notes = [...document.querySelectorAll('.call-notes .alert')].map((n) => n.textContent);
  return { publisher: state(call.publisher), subscriber: state(call.subscriber), tracks: call.tracks().length,
           notes, events: call.events() };
}"""

Key = tuple[str, str]


async def session_of(page: Page) -> str:
    """The page's participant session in its call (once it has joined)."""

    async def joined() -> str:
        return str(await page.evaluate("() => window.__parta_call?.sessionId || ''"))

    return await until(joined, within=20, what="the page joined the call")


async def counts(page: Page, what: str = "count") -> dict[Key, int]:
    """Per (session, source): video frames decoded and audio samples received ("count"), or the
    RTP packets that came ("packets")."""
    rows: list[dict[str, Any]] = await page.evaluate(RECEIVED)
    return {(row["session"], row["source"]): int(row[what]) for row in rows}


async def receives(page: Page, expected: list[Key], within: float = 30) -> None:
    """Each (session, source) of `expected` reaches the page and keeps coming: video frames decoded
    (`framesDecoded`) and audio samples received (`totalSamplesReceived`) rise between two readings."""

    async def first() -> dict[Key, int] | None:
        now = await counts(page)
        return now if all(now.get(key, 0) > 0 for key in expected) else None

    async def rising() -> bool:
        now = await counts(page)
        return all(now.get(key, 0) > before[key] for key in expected)

    try:
        before = await until(first, within=within, what=f"media {expected} reached the page")
        await until(rising, within=within, what=f"media {expected} kept coming")
    except AssertionError as error:
        raise AssertionError(f"{error}; the page's call: {await page.evaluate(STATE)}") from error
