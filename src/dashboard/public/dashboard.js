// segstream dashboard: renders the snapshots /events pushes (Server-Sent Events); no reloads.
'use strict';

const $ = (sel) => document.querySelector(sel);
const fmt = (x, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(digits));
const ago = (ms) => (ms < 1500 ? 'now' : ms < 90_000 ? `${Math.round(ms / 1000)} s ago` : `${Math.round(ms / 60_000)} min ago`);
let lastThumbAt = 0;
let hls = null;

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** One card per stream, kept across snapshots (its image is not reloaded on every update). */
function streamCard(s) {
  let card = document.getElementById(`stream-${s.streamId}`);
  if (!card) {
    card = el('article', { class: 'stream', id: `stream-${s.streamId}`, 'data-stream': s.streamId });
    const h = el('h3');
    h.append(el('span', { class: 'id' }, s.streamId), el('span', { class: 'state' }));
    const img = el('img', { class: 'thumb', alt: `latest frame of ${s.streamId}` });
    img.addEventListener('error', () => { img.removeAttribute('src'); });
    const dl = el('dl');
    for (const [key, label] of [['fpsIn', 'fps in'], ['fpsOut', 'fps out'], ['decoded', 'decoded'], ['written', 'written'], ['latency', 'latency ms'], ['dropped', 'dropped'], ['reconnects', 'reconnects'], ['failed', 'failed']]) {
      dl.append(el('dt', {}, label), el('dd', { 'data-field': key }, '–'));
    }
    card.append(h, el('div', { class: 'source' }), img, dl);
    const live = el('button', { type: 'button', class: 'watch', hidden: '' }, 'live view');
    live.addEventListener('click', () => play(s.streamId));
    card.append(live);
    $('#streams').append(card);
  }
  return card;
}

function renderStreams(streams, at) {
  const box = $('#streams');
  box.querySelector('.empty')?.remove();
  const seen = new Set();
  for (const s of streams) {
    seen.add(`stream-${s.streamId}`);
    const card = streamCard(s);
    const p = s.producer || {};
    const c = s.compositor || {};
    const state = card.querySelector('.state');
    state.textContent = s.state;
    state.className = `state state-${s.state}`;
    card.querySelector('.source').textContent = p.source ? `${p.source} ${p.width}x${p.height}` : '';
    const set = (k, v) => { card.querySelector(`[data-field="${k}"]`).textContent = v; };
    set('fpsIn', fmt(p.fpsIn)); set('fpsOut', fmt(c.fpsOut)); set('decoded', p.decoded ?? '–'); set('written', c.written ?? '–');
    set('latency', c.latencyMs ?? '–'); set('dropped', p.dropped ?? '–'); set('reconnects', p.reconnects ?? '–'); set('failed', c.failed ?? '–');
    card.querySelector('.watch').hidden = !c.hls;
    if (at - lastThumbAt >= 5000 || !card.querySelector('.thumb').getAttribute('src')) {
      card.querySelector('.thumb').src = `/thumb/${encodeURIComponent(s.streamId)}?t=${at}`;
    }
  }
  if (at - lastThumbAt >= 5000) lastThumbAt = at;
  for (const card of [...box.querySelectorAll('.stream')]) if (!seen.has(card.id)) card.remove();
  if (!streams.length && !box.querySelector('.empty')) box.append(el('p', { class: 'empty' }, 'No stream has reported yet.'));
}

function renderWorkers(workers, at) {
  const body = $('#workers tbody');
  body.replaceChildren(...workers.map((w) => {
    const tr = el('tr', { 'data-worker': w.id });
    tr.append(el('td', { class: w.alive ? '' : 'dead' }, `${w.id}${w.alive ? '' : ' (gone)'}`), el('td', {}, w.model), el('td', {}, w.device),
      el('td', {}, fmt(w.fps)), el('td', {}, String(w.frames)), el('td', {}, `${Math.round(w.busy * 100)} %`), el('td', {}, ago(at - w.lastSeen)));
    return tr;
  }));
}

function play(streamId) {
  const url = `/hls/${encodeURIComponent(streamId)}/index.m3u8`;
  const video = $('#video');
  $('#player').hidden = false;
  $('#player-stream').textContent = streamId;
  if (hls) hls.destroy();
  // One segment behind the live edge: the view's latency is about one segment plus our encode.
  if (window.Hls && window.Hls.isSupported()) { hls = new window.Hls({ liveSyncDurationCount: 1 }); hls.loadSource(url); hls.attachMedia(video); }
  else video.src = url;
}
$('#player-close').addEventListener('click', () => { if (hls) hls.destroy(); hls = null; $('#player').hidden = true; });

function connect() {
  const events = new EventSource('/events');
  events.onopen = () => { $('#conn').textContent = 'live'; $('#conn').className = 'conn ok'; };
  events.onerror = () => { $('#conn').textContent = 'reconnecting…'; $('#conn').className = 'conn bad'; };
  events.onmessage = (m) => {
    const snap = JSON.parse(m.data);
    window.__segstreamSnapshots = (window.__segstreamSnapshots || 0) + 1;
    renderStreams(snap.streams, snap.at);
    renderWorkers(snap.workers, snap.at);
    const q = snap.queue || {};
    $('#queue').textContent = `queue: ${q.waiting ?? 0} waiting, ${q.active ?? 0} active, ${q.delayed ?? 0} delayed, ${q.failed ?? 0} failed`;
  };
}
connect();
