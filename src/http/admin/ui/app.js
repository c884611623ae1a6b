// The live dashboard of crm-connector-mock (GET /__admin/ui): plain
// JavaScript, no framework and no build step, embedded in the binary. It
// reads the admin API from the same origin with fetch, sending the admin
// token the user typed (kept in this tab's sessionStorage). What each part
// shows, its bounds and the choices made are in docs/admin.md, "The
// dashboard"; the DOM it builds is the contract tests/ui/ holds it to.

const TOKEN_KEY = 'crm-mock-admin-token';
/** Requests kept on the page (list and timeline); the oldest goes first. */
const MAX_ROWS = 500;
/** The chart's window, in seconds (one bucket per second). */
const CHART_SECONDS = 300;
/** Sessions the timeline shows (the most recently active), and requests each. */
const MAX_TIMELINE_SESSIONS = 20;
const MAX_TIMELINE_REQUESTS = 50;
/** No byte for this long (the server sends a keep-alive every second): reconnect. */
const STALL_MS = 5000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5000;
const COUNTERS_EVERY_MS = 5000;

const $ = (id) => document.getElementById(id);

const page = {
  /** id -> entry, and the ids in ascending order (arrival). */
  entries: new Map(),
  ids: [],
  /** id -> its <tr>, made on demand. */
  rows: new Map(),
  /** The highest id seen: the stream resumes after it. */
  lastId: 0,
  paused: false,
  needToken: false,
  /** Fault names, from the catalogue: a fault is its own class in the chart. */
  faults: new Set(),
  /** Epoch second -> counts by class, for the chart. */
  buckets: new Map(),
  missed: 0,
  /** Events read but not yet on the page (`receive`). */
  incoming: [],
  flushTimer: 0,
  stream: null,
  retryTimer: 0,
  backoff: RECONNECT_MIN_MS,
  refreshTimer: 0,
  timelineTimer: 0,
  detailId: null,
};

// ---- The token and admin calls -------------------------------------------

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function authHeaders() {
  const token = storedToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function showError(text) {
  const banner = $('error-banner');
  banner.textContent = text;
  banner.hidden = false;
}

function hideError() {
  const banner = $('error-banner');
  banner.textContent = '';
  banner.hidden = true;
}

function askToken() {
  page.needToken = true;
  stopStream();
  setStreamState('reconnecting');
  const form = $('token-form');
  if (form.hidden) {
    form.hidden = false;
    $('token').focus();
  }
}

/** The error of a failed admin call, shown in the banner (and the token form on 401). */
async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const code = body?.errorCode ?? `HTTP_${response.status}`;
  const message = body?.errorMessage ?? response.statusText;
  showError(`${code}: ${message}`);
  if (response.status === 401) askToken();
  const error = new Error(`${code}: ${message}`);
  error.status = response.status;
  error.body = body;
  error.shown = true;
  return error;
}

/** An admin call: the token sent, a failure shown, the JSON body returned. */
async function api(path, method = 'GET', body = undefined) {
  const headers = authHeaders();
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    showError(`NETWORK_ERROR: ${method} ${path}: ${error.message}`);
    error.shown = true;
    throw error;
  }
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** Runs an action; its failure is already in the banner, so it ends here. */
function run(action) {
  action().catch((error) => {
    if (!error?.shown) showError(`PAGE_ERROR: ${error?.message ?? error}`);
  });
}

// ---- Entries ------------------------------------------------------------

function recordOf(entry) {
  for (const [name, value] of new URLSearchParams(entry.query ?? '')) {
    if (name.toLowerCase() === 'recordid') return value;
  }
  return null;
}

function statusClass(entry) {
  if (entry.scenario && page.faults.has(entry.scenario)) return 'fault';
  if (entry.status >= 500) return '5xx';
  if (entry.status >= 400) return '4xx';
  return '2xx';
}

function clockOf(time) {
  // "2026-12-02T04:40:00.120Z" -> "04:40:00.120" (UTC, as the journal writes it).
  return typeof time === 'string' && time.length >= 23 ? time.slice(11, 23) : String(time);
}

/**
 * Whether `entry` comes from a server that started again (ids start over):
 * its id is one kept already for another request, or lower than every
 * kept one while it arrived after all of them.
 */
function restarted(entry) {
  const kept = page.entries.get(entry.id);
  if (kept) return kept.activityId !== entry.activityId || kept.time !== entry.time;
  const oldest = page.entries.get(page.ids[0]);
  const newest = page.entries.get(page.ids[page.ids.length - 1]);
  return oldest != null && entry.id < oldest.id && entry.time > newest.time;
}

function addEntry(entry) {
  if (typeof entry?.id !== 'number') return;
  if (restarted(entry)) {
    clearList();
    page.lastId = 0;
  }
  if (page.entries.has(entry.id)) return;
  page.lastId = Math.max(page.lastId, entry.id);
  countInChart(entry);
  page.entries.set(entry.id, entry);
  // Usually the newest; a delayed request completes after newer arrivals.
  let at = page.ids.length;
  while (at > 0 && page.ids[at - 1] > entry.id) at -= 1;
  page.ids.splice(at, 0, entry.id);
  while (page.ids.length > MAX_ROWS) forget(page.ids.shift());
  if (matches(entry)) insertRow(entry);
}

/**
 * Events are taken in batches (every 50 ms at most), so a busy client costs
 * the page one summary, one timeline and one refresh per batch rather than
 * per request; a batch keeps at most `MAX_ROWS` (older ones would be
 * evicted at once anyway) but the chart counts them all.
 */
function receive(entry) {
  page.incoming.push(entry);
  if (page.incoming.length > MAX_ROWS) {
    const dropped = page.incoming.shift();
    countInChart(dropped);
    page.lastId = Math.max(page.lastId, dropped.id ?? 0);
  }
  if (!page.flushTimer) page.flushTimer = setTimeout(flush, 50);
}

function flush() {
  page.flushTimer = 0;
  const batch = page.incoming;
  page.incoming = [];
  for (const entry of batch) addEntry(entry);
  if (batch.length === 0) return;
  summarize();
  scheduleTimeline();
  scheduleRefresh();
}

function forget(id) {
  page.entries.delete(id);
  page.rows.get(id)?.remove();
  page.rows.delete(id);
}

function clearList() {
  page.entries.clear();
  page.ids = [];
  page.rows.clear();
  document.querySelector('#requests tbody').replaceChildren();
  closeDetail();
  summarize();
  renderTimeline();
}

// ---- The request list ------------------------------------------------------

function filters() {
  return {
    operation: $('filter-operation').value,
    status: $('filter-status').value.trim().toLowerCase(),
    session: $('filter-session').value.trim().toLowerCase(),
    text: $('filter-text').value.trim().toLowerCase(),
  };
}

function matches(entry, f = filters()) {
  if (f.operation === '-' && entry.operation) return false;
  if (f.operation && f.operation !== '-' && entry.operation !== f.operation) return false;
  if (f.status) {
    const family = /^([1-5])xx$/.exec(f.status);
    if (family && Math.floor(entry.status / 100) !== Number(family[1])) return false;
    if (!family && String(entry.status) !== f.status) return false;
  }
  if (f.session && !(entry.session ?? '').toLowerCase().includes(f.session)) return false;
  if (f.text) {
    entry.searchText ??= JSON.stringify(entry).toLowerCase();
    if (!entry.searchText.includes(f.text)) return false;
  }
  return true;
}

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  tr.append(td);
  return td;
}

function makeRow(entry) {
  const tr = document.createElement('tr');
  tr.tabIndex = 0;
  tr.dataset.id = String(entry.id);
  tr.dataset.status = String(entry.status);
  if (entry.session != null) tr.dataset.session = entry.session;
  const record = recordOf(entry);
  if (record != null) tr.dataset.record = record;
  tr.className = `class-${statusClass(entry)}`;
  cell(tr, clockOf(entry.time));
  cell(tr, entry.operation ?? `${entry.method} ${entry.path}`);
  cell(tr, record);
  const status = cell(tr, String(entry.status), 'status');
  if (entry.retryAfterViolation) {
    tr.dataset.violation = 'retry-after';
    const marker = document.createElement('span');
    marker.className = 'marker';
    marker.textContent = 'retried too early';
    status.append(' ', marker);
  }
  cell(tr, entry.scenario);
  cell(tr, entry.session);
  cell(tr, `${entry.durationMs} ms`, 'number');
  cell(tr, entry.activityId, 'id');
  return tr;
}

function rowOf(entry) {
  let tr = page.rows.get(entry.id);
  if (!tr) {
    tr = makeRow(entry);
    page.rows.set(entry.id, tr);
  }
  return tr;
}

/** Newest first: before the first shown row with a lower id. */
function insertRow(entry) {
  const tbody = document.querySelector('#requests tbody');
  const tr = rowOf(entry);
  const first = tbody.rows[0];
  if (!first || Number(first.dataset.id) < entry.id) {
    tbody.insertBefore(tr, first ?? null);
    return;
  }
  for (const other of tbody.rows) {
    if (Number(other.dataset.id) < entry.id) {
      tbody.insertBefore(tr, other);
      return;
    }
  }
  tbody.append(tr);
}

function renderList() {
  const f = filters();
  const shown = [];
  for (let i = page.ids.length - 1; i >= 0; i -= 1) {
    const entry = page.entries.get(page.ids[i]);
    if (entry && matches(entry, f)) shown.push(rowOf(entry));
  }
  document.querySelector('#requests tbody').replaceChildren(...shown);
  summarize();
}

function summarize() {
  const shown = document.querySelector('#requests tbody').rows.length;
  $('list-summary').textContent =
    `Showing ${shown} of ${page.ids.length} requests kept on this page (at most ${MAX_ROWS}, newest first).`;
}

function openDetail(id) {
  const entry = page.entries.get(id);
  if (!entry) return;
  page.detailId = id;
  const copy = { ...entry };
  delete copy.searchText;
  const detail = $('detail');
  $('detail-title').textContent = `Entry ${id}`;
  detail.querySelector('pre').textContent = JSON.stringify(copy, null, 2);
  detail.hidden = false;
  for (const tr of document.querySelectorAll('#requests tr.selected')) tr.classList.remove('selected');
  page.rows.get(id)?.classList.add('selected');
  detail.querySelector('pre').focus();
}

function closeDetail() {
  const detail = $('detail');
  if (detail.hidden) return;
  detail.hidden = true;
  const row = page.rows.get(page.detailId);
  row?.classList.remove('selected');
  if (row?.isConnected) row.focus();
  page.detailId = null;
}

// ---- The stream -------------------------------------------------------------

function setStreamState(text) {
  const state = $('stream-state');
  state.textContent = text;
  state.dataset.state = text;
}

function stopStream() {
  clearTimeout(page.retryTimer);
  page.stream?.abort();
  page.stream = null;
}

function scheduleReconnect() {
  clearTimeout(page.retryTimer);
  if (page.paused || page.needToken) return;
  setStreamState('reconnecting');
  page.retryTimer = setTimeout(() => run(connect), page.backoff);
  page.backoff = Math.min(page.backoff * 2, RECONNECT_MAX_MS);
}

function missed(count) {
  page.missed += count;
  const notice = $('stream-notice');
  notice.textContent =
    `The page fell behind the stream and missed ${page.missed} request(s); the list has gaps (GET /__admin/requests has them while the journal keeps them).`;
  notice.hidden = false;
}

/** One server-sent event: `id:`, `event:` and `data:` lines; comments skipped. */
function handleEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && /^\d+$/.test(value)) page.lastId = Math.max(page.lastId, Number(value));
  }
  if (data.length === 0) return;
  const payload = JSON.parse(data.join('\n'));
  if (event === 'request' || event === 'message') receive(payload);
  else if (event === 'missed') missed(Number(payload.missed) || 0);
}

/**
 * Reads GET /__admin/requests/stream with fetch (EventSource cannot send
 * an Authorization header), resuming after the last id seen with
 * Last-Event-ID, and reconnects when it drops or stalls.
 */
async function connect() {
  stopStream();
  if (page.paused || page.needToken) return;
  const control = new AbortController();
  page.stream = control;
  setStreamState('reconnecting');
  const headers = { ...authHeaders(), 'Last-Event-ID': String(page.lastId) };
  let response;
  try {
    response = await fetch('/__admin/requests/stream', { headers, signal: control.signal, cache: 'no-store' });
  } catch {
    if (page.stream === control) scheduleReconnect();
    return;
  }
  if (!response.ok) {
    await failure(response);
    if (page.stream === control) scheduleReconnect();
    return;
  }
  setStreamState('live');
  page.backoff = RECONNECT_MIN_MS;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let stall = setTimeout(() => control.abort(), STALL_MS);
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      clearTimeout(stall);
      stall = setTimeout(() => control.abort(), STALL_MS);
      buffer += value.replace(/\r\n?/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        try {
          handleEvent(block);
        } catch (error) {
          showError(`STREAM_ERROR: an event could not be read: ${error.message}`);
        }
        end = buffer.indexOf('\n\n');
      }
    }
  } catch {
    // Aborted (pause, stall, a new connection) or the network went away.
  } finally {
    clearTimeout(stall);
  }
  if (page.stream === control) scheduleReconnect();
}

/** The newest kept entries first (the stream's resume would give the oldest). */
async function loadRecent() {
  const head = await api('/__admin/requests?limit=1');
  const offset = Math.max(0, Number(head.count) - MAX_ROWS);
  const listed = await api(`/__admin/requests?offset=${offset}&limit=${MAX_ROWS}`);
  for (const entry of listed.requests ?? []) addEntry(entry);
  summarize();
  scheduleTimeline();
}

function togglePause() {
  page.paused = !page.paused;
  const button = $('pause');
  button.textContent = page.paused ? 'Resume' : 'Pause';
  button.setAttribute('aria-pressed', String(page.paused));
  if (page.paused) {
    stopStream();
    setStreamState('paused');
  } else {
    // Resuming with Last-Event-ID brings what arrived meanwhile.
    run(connect);
  }
}

// ---- The timeline -------------------------------------------------------

function scheduleTimeline() {
  if (page.timelineTimer) return;
  page.timelineTimer = setTimeout(() => {
    page.timelineTimer = 0;
    renderTimeline();
  }, 250);
}

/** Seconds a Retry-After value asks for (whole seconds or an HTTP-date). */
function retrySeconds(entry) {
  const value = entry.retryAfter;
  if (value == null) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.parse(entry.time)) / 1000);
}

function renderTimeline() {
  const sessions = new Map();
  for (const id of page.ids) {
    const entry = page.entries.get(id);
    if (entry?.session == null) continue;
    if (!sessions.has(entry.session)) sessions.set(entry.session, []);
    sessions.get(entry.session).push(entry);
  }
  const recent = [...sessions.entries()]
    .sort((a, b) => b[1][b[1].length - 1].id - a[1][a[1].length - 1].id)
    .slice(0, MAX_TIMELINE_SESSIONS);
  const articles = recent.map(([session, entries]) => {
    const article = document.createElement('article');
    article.className = 'session';
    article.dataset.session = session;
    const heading = document.createElement('h3');
    heading.textContent = session;
    const list = document.createElement('ol');
    const shown = entries.slice(-MAX_TIMELINE_REQUESTS);
    shown.forEach((entry, i) => list.append(timelineItem(entry, shown[i + 1])));
    article.append(heading, list);
    return article;
  });
  const more = sessions.size - recent.length;
  if (more > 0) {
    const note = document.createElement('p');
    note.className = 'hint';
    note.textContent = `${more} less recent session(s) not shown.`;
    articles.push(note);
  }
  $('timeline-sessions').replaceChildren(...articles);
}

function timelineItem(entry, next) {
  const li = document.createElement('li');
  li.dataset.id = String(entry.id);
  li.dataset.status = String(entry.status);
  li.className = `class-${statusClass(entry)}`;
  const parts = [`${clockOf(entry.time)} ${entry.status}${entry.scenario ? ` ${entry.scenario}` : ''}`];
  const wait = retrySeconds(entry);
  if (entry.retryAfter != null) parts.push(`Retry-After: ${entry.retryAfter}`);
  if (next) {
    const gap = (Date.parse(next.time) - Date.parse(entry.time)) / 1000;
    parts.push(`back after ${gap.toFixed(3)} s`);
    if (wait != null && gap < wait) li.classList.add('short-gap');
  }
  li.textContent = parts.join(' · ');
  if (entry.retryAfterViolation) {
    li.dataset.violation = 'retry-after';
    const marker = document.createElement('span');
    marker.className = 'marker';
    marker.textContent = 'retried too early';
    li.append(' ', marker);
  }
  return li;
}

// ---- The catalogue, sticky scenarios and sequences -------------------------

let controlCount = 0;

function labelled(li, text, control) {
  controlCount += 1;
  control.id = `control-${controlCount}`;
  const label = document.createElement('label');
  label.htmlFor = control.id;
  label.textContent = text;
  li.append(label, control);
}

function stickItem(kind, name, title, description) {
  const li = document.createElement('li');
  li.dataset[kind] = name;
  const head = document.createElement('span');
  head.className = 'name';
  const strong = document.createElement('strong');
  strong.textContent = name;
  head.append(strong, title && title !== name ? ` ${title}` : '');
  const desc = document.createElement('span');
  desc.className = 'hint';
  desc.textContent = description ?? '';
  li.append(head, ' ', desc);
  const operation = document.createElement('select');
  operation.dataset.field = 'operation';
  for (const [value, text] of [['', 'both'], ['GetRelatedRecords', 'records'], ['GetRelatedActivities', 'activities']]) {
    operation.append(new Option(text, value));
  }
  labelled(li, 'Operation', operation);
  const session = document.createElement('input');
  session.dataset.field = 'session';
  session.size = 8;
  labelled(li, 'Session', session);
  const count = document.createElement('input');
  count.dataset.field = 'count';
  count.type = 'number';
  count.min = '1';
  count.step = '1';
  count.className = 'count';
  labelled(li, 'Count', count);
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.action = 'stick';
  button.textContent = 'Stick';
  button.setAttribute('aria-label', `Stick ${name}${title && title !== name ? ` (${title})` : ''}`);
  li.append(button);
  return li;
}

async function loadCatalogue() {
  const body = await api('/__admin/scenarios');
  page.faults = new Set((body.faults ?? []).map((f) => f.name));
  // A scenario that answers its status is triggered by the number (429),
  // the others by their errorCode.
  $('scenario-list').replaceChildren(
    ...(body.scenarios ?? []).map((s) => {
      const name = s.answersStatus ? String(s.status) : s.errorCode;
      return stickItem('scenario', name, s.errorCode, s.description);
    }),
  );
  $('fault-list').replaceChildren(
    ...(body.faults ?? []).map((f) => stickItem('fault', f.name, f.name, f.description)),
  );
}

async function stick(li) {
  const body = { scenario: li.dataset.scenario ?? li.dataset.fault };
  const field = (name) => li.querySelector(`[data-field="${name}"]`).value.trim();
  if (field('operation')) body.operation = field('operation');
  if (field('session')) body.session = field('session');
  if (field('count')) body.count = /^\d+$/.test(field('count')) ? Number(field('count')) : field('count');
  const made = await api('/__admin/sticky', 'POST', body);
  hideError();
  $('reload-result').textContent = `Sticky ${made.scenario ?? body.scenario} set (id ${made.id}).`;
  await loadSticky();
}

async function loadSticky() {
  const body = await api('/__admin/sticky');
  const list = body.sticky ?? body.scenarios ?? (Array.isArray(body) ? body : []);
  $('sticky-list').replaceChildren(
    ...list.map((s) => {
      const li = document.createElement('li');
      li.dataset.sticky = String(s.id);
      const parts = [s.scenario];
      parts.push(s.operation ? `only ${s.operation}` : 'both operations');
      if (s.session) parts.push(`session ${s.session}`);
      parts.push(s.remaining != null ? `${s.remaining} left` : 'until cleared');
      if (s.delayMs != null) parts.push(`delay ${s.delayMs} ms`);
      li.textContent = parts.join(' · ');
      return li;
    }),
  );
}

async function loadSequences() {
  const body = await api('/__admin/sequences');
  $('sequences').tBodies[0].replaceChildren(
    ...(body.sequences ?? []).map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.session = s.session;
      cell(tr, s.session);
      cell(tr, s.scenario);
      const done = s.length != null && s.position >= s.length;
      cell(tr, s.length != null ? `${Math.min(s.position, s.length)} of ${s.length}${done ? ' (done)' : ''}` : String(s.position), 'number');
      return tr;
    }),
  );
}

async function reset() {
  await api('/__admin/reset', 'POST');
  hideError();
  clearList();
  page.missed = 0;
  $('stream-notice').hidden = true;
  $('reload-result').textContent = 'Reset: journal, sequences, Retry-After state, sticky scenarios and the rate limiter are cleared.';
  await Promise.all([loadSticky(), loadSequences(), loadCounters()]);
}

async function reload() {
  const problems = $('reload-problems');
  try {
    const body = await api('/__admin/reload', 'POST');
    hideError();
    problems.replaceChildren();
    $('reload-result').textContent =
      `Reloaded: ${body.scenarios} scenario(s), ${body.records} record(s) from ${(body.files ?? []).length} file(s).`;
  } catch (error) {
    const found = error.body?.details?.problems ?? [];
    problems.replaceChildren(
      ...found.map((p) => {
        const li = document.createElement('li');
        li.textContent = p;
        return li;
      }),
    );
    $('reload-result').textContent = found.length
      ? `Reload refused: ${found.length} problem(s); the previous definitions keep serving.`
      : '';
    throw error;
  }
  await loadCatalogue();
}

/** Sticky counts, sequence positions and counters move with requests: refreshed at most once a second. */
function scheduleRefresh() {
  if (page.refreshTimer || page.needToken) return;
  page.refreshTimer = setTimeout(() => {
    page.refreshTimer = 0;
    run(() => Promise.all([loadSticky(), loadSequences(), loadCounters()]));
  }, 1000);
}

// ---- The chart and the counters ----------------------------------------

const CLASSES = ['2xx', '4xx', '5xx', 'fault'];

function countInChart(entry) {
  const at = Date.parse(entry.time);
  if (Number.isNaN(at)) return;
  const second = Math.floor(at / 1000);
  if (second < Math.floor(Date.now() / 1000) - CHART_SECONDS) return;
  const bucket = page.buckets.get(second) ?? { '2xx': 0, '4xx': 0, '5xx': 0, fault: 0 };
  bucket[statusClass(entry)] += 1;
  page.buckets.set(second, bucket);
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text != null) element.textContent = text;
  return element;
}

function drawChart() {
  const now = Math.floor(Date.now() / 1000);
  const first = now - CHART_SECONDS + 1;
  for (const second of page.buckets.keys()) if (second < first) page.buckets.delete(second);
  const [width, height, left, top, bottom] = [600, 160, 34, 8, 18];
  const series = Object.fromEntries(CLASSES.map((c) => [c, []]));
  let peak = 1;
  for (let s = first; s <= now; s += 1) {
    const bucket = page.buckets.get(s);
    for (const c of CLASSES) {
      const value = bucket?.[c] ?? 0;
      series[c].push(value);
      peak = Math.max(peak, value);
    }
  }
  const x = (i) => left + (i * (width - left - 2)) / (CHART_SECONDS - 1);
  const y = (v) => top + (height - top - bottom) * (1 - v / peak);
  const chart = $('rate-chart');
  const keep = [...chart.children].filter((e) => e.tagName === 'title' || e.tagName === 'desc');
  const parts = [
    svg('line', { x1: left, y1: y(0), x2: width - 2, y2: y(0), class: 'axis' }),
    svg('line', { x1: left, y1: y(peak), x2: width - 2, y2: y(peak), class: 'grid' }),
    svg('text', { x: left - 4, y: y(peak) + 4, class: 'label end' }, `${peak}/s`),
    svg('text', { x: left - 4, y: y(0) + 4, class: 'label end' }, '0'),
    svg('text', { x: left, y: height - 4, class: 'label' }, '−5 min'),
    svg('text', { x: width - 2, y: height - 4, class: 'label end' }, 'now'),
  ];
  for (const c of CLASSES) {
    if (!series[c].some((v) => v > 0)) continue;
    const points = series[c].map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(svg('polyline', { points, class: `line c${c}` }));
  }
  chart.replaceChildren(...keep, ...parts);
  const recent = CLASSES.map((c) => `${c} ${(series[c].slice(-10).reduce((a, b) => a + b, 0) / 10).toFixed(1)}/s`);
  const desc = chart.querySelector('desc');
  if (desc) desc.textContent = `Last 10 seconds: ${recent.join(', ')}; peak ${peak}/s over 5 minutes.`;
}

/** The few lines of the Prometheus text format the counters show; no library. */
function parseMetrics(text) {
  const totals = { connector: 0, unmatched: 0, '2xx': 0, '4xx': 0, '5xx': 0, violations: 0, evictions: 0, dropped: 0 };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    if (m[1] === 'crm_mock_requests_total') {
      if (labels.operation?.startsWith('scp-')) totals.connector += value;
      else if (labels.operation === 'unmatched') totals.unmatched += value;
      else continue;
      const family = `${String(labels.status ?? '')[0]}xx`;
      if (family in totals) totals[family] += value;
    } else if (m[1] === 'crm_mock_retry_after_violations_total') totals.violations += value;
    else if (m[1] === 'crm_mock_journal_evictions_total') totals.evictions += value;
    else if (m[1] === 'crm_mock_log_lines_dropped_total') totals.dropped += value;
  }
  return totals;
}

async function loadCounters() {
  let response;
  try {
    response = await fetch('/metrics', { cache: 'no-store', headers: { Accept: 'text/plain' } });
  } catch {
    return;
  }
  if (!response.ok) return;
  const t = parseMetrics(await response.text());
  const rows = [
    ['Connector requests', t.connector],
    ['Unknown routes', t.unmatched],
    ['2xx', t['2xx']],
    ['4xx', t['4xx']],
    ['5xx', t['5xx']],
    ['Retry-After violations', t.violations],
    ['Journal evictions', t.evictions],
    ['Log lines dropped', t.dropped],
  ];
  $('counters').replaceChildren(
    ...rows.flatMap(([name, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = String(value);
      return [dt, dd];
    }),
  );
}

// ---- Start -------------------------------------------------------------------

async function loadAll() {
  await loadCatalogue();
  await Promise.all([loadRecent(), loadSticky(), loadSequences(), loadCounters()]);
  await connect();
}

function wire() {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      showError('PAGE_ERROR: this tab cannot keep the token (session storage is unavailable).');
      return;
    }
    $('token').value = '';
    $('token-form').hidden = true;
    page.needToken = false;
    hideError();
    run(loadAll);
  });
  $('pause').addEventListener('click', togglePause);
  $('clear').addEventListener('click', clearList);
  for (const id of ['filter-operation', 'filter-status', 'filter-session', 'filter-text']) {
    $(id).addEventListener('input', renderList);
  }
  const tbody = document.querySelector('#requests tbody');
  tbody.addEventListener('click', (event) => {
    const tr = event.target.closest('tr[data-id]');
    if (tr) openDetail(Number(tr.dataset.id));
  });
  tbody.addEventListener('keydown', (event) => {
    const tr = event.target.closest('tr[data-id]');
    if (!tr) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      openDetail(Number(tr.dataset.id));
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      (event.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling)?.focus();
    }
  });
  $('close-detail').addEventListener('click', closeDetail);
  $('detail').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeDetail();
  });
  $('catalogue').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action="stick"]');
    if (button) run(() => stick(button.closest('li')));
  });
  $('clear-sticky').addEventListener('click', () =>
    run(async () => {
      await api('/__admin/sticky', 'DELETE');
      hideError();
      await loadSticky();
    }),
  );
  $('reset').addEventListener('click', () => run(reset));
  $('reload').addEventListener('click', () => run(reload));
  setInterval(drawChart, 1000);
  setInterval(() => {
    if (!page.needToken && document.visibilityState === 'visible') run(loadCounters);
  }, COUNTERS_EVERY_MS);
  drawChart();
  summarize();
}

wire();
run(loadAll);
