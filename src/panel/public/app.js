// The panel's page: plain ES module, no build step. Data arrives over server-sent events
// (/api/stream); writes are JSON POSTs carrying the session's CSRF token. Text from chat is
// only ever set with textContent.
const $ = (sel) => document.querySelector(sel);
let csrf = '';
let source;
const state = { chat: new Map(), pending: [], scope: 'global' };

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}

async function api(path, body) {
  const res = await fetch(path, body === undefined ? { credentials: 'same-origin' } : { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== '/api/login') showLogin();
  return { ok: res.ok, status: res.status, data };
}

function showLogin() {
  source?.close();
  $('#login').hidden = false;
  $('#nav').hidden = true;
  $('#logout').hidden = true;
  for (const p of document.querySelectorAll('.page')) p.hidden = true;
  $('#conn').textContent = '';
}

function showPage() {
  const page = (location.hash || '#live').slice(1);
  for (const p of document.querySelectorAll('.page')) p.hidden = p.id !== `page-${page}`;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === page);
  if (page === 'controls') loadControls();
}

function rows(table, list, cells) {
  const body = $(`${table} tbody`);
  body.replaceChildren(...list.map((item) => el('tr', {}, ...cells(item).map((c) => el('td', {}, String(c))))));
}

const ms = (v) => (v == null ? '–' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);

function renderLive(s) {
  $('#m-comments').textContent = s.perMinute.comments;
  $('#m-answers').textContent = s.perMinute.answers;
  $('#m-skipped').textContent = s.perMinute.skipped;
  $('#m-slow').textContent = s.slowShare == null ? '–' : `${Math.round(s.slowShare * 100)}%`;
  $('#m-pending').textContent = s.pending;
  rows('#t-queues', s.queues, (q) => [q.name, q.waiting, q.active, q.delayed, q.failed]);
  rows('#t-procs', s.processes, (p) => [p.role, p.host, p.pid, p.lastBeatS == null ? '?' : `${p.lastBeatS} s ago`]);
  rows('#t-latency', s.latency, (l) => [l.route, l.n, ms(l.p50Ms), ms(l.p95Ms)]);
  rows('#t-channels', s.channels, (c) => [c.channel, c.posts, c.rateLimitWaits]);
  rows('#t-models', s.models, (m) => [m.route, m.model]);
  const badge = $('#pending-badge');
  badge.hidden = !s.pending;
  badge.textContent = s.pending;
}

// ---- chat: one row per comment, updated by the events that follow it
function addEvent(e) {
  const id = `${e.platform}:${e.channel}:${e.id}`;
  let row = state.chat.get(id);
  if (!row) {
    row = { at: Number(e.at), where: `${e.platform}:${e.channel}`, user: '', text: '', decision: 'queued', cls: '', reason: '', reply: '' };
    state.chat.set(id, row);
    if (state.chat.size > 400) state.chat.delete(state.chat.keys().next().value);
  }
  if (e.type === 'comment') Object.assign(row, { user: e.user ?? '', text: e.text ?? '' });
  else if (e.type === 'command') Object.assign(row, { user: e.user ?? row.user, text: e.text ?? row.text, decision: `moderator command: ${e.reason}`, cls: 'command' });
  else if (e.type === 'reply') Object.assign(row, { decision: `answered (${e.route}, ${e.model}, ${ms(Number(e.latency_ms))})`, cls: 'reply', reply: e.text ?? '' });
  else if (e.type === 'escalate') Object.assign(row, { decision: 'to the slow model', cls: 'escalate' });
  else Object.assign(row, { decision: `${e.type === 'skip' ? 'skipped' : e.type}: ${e.reason ?? ''}`, cls: e.type, reason: e.reason ?? '' });
  if (e.type === 'skip' && e.reason && !document.querySelector(`#chat-filter option[value="skip:${CSS.escape(e.reason)}"]`)) {
    $('#chat-filter').append(el('option', { value: `skip:${e.reason}` }, `skipped: ${e.reason}`));
  }
}

function renderChat() {
  const f = $('#chat-filter').value;
  const keep = (r) => f === 'all' || (f === 'answered' && r.cls === 'reply') || (f === 'skipped' && r.cls === 'skip') || (f.startsWith('skip:') && r.cls === 'skip' && r.reason === f.slice(5));
  const list = [...state.chat.values()].filter(keep).reverse().slice(0, 200);
  $('#t-chat tbody').replaceChildren(
    ...list.map((r) => el('tr', { class: `d-${r.cls}` }, el('td', {}, new Date(r.at).toLocaleTimeString()), el('td', {}, r.where), el('td', {}, r.user), el('td', {}, r.text), el('td', { class: 'decision' }, r.decision), el('td', {}, r.reply))),
  );
}

// ---- approvals
function renderPending(list) {
  state.pending = list;
  $('#no-pending').hidden = list.length > 0;
  $('#pending-list').replaceChildren(
    ...list.map((p) =>
      el('li', { dataset: { id: p.id } },
        el('div', { class: 'muted' }, `${p.id} · ${p.platform}:${p.channel} · ${p.route}, ${p.model} · expires in ${p.expiresInS} s`),
        el('div', {}, `${p.user}: ${p.comment}`),
        el('div', { class: 'reply' }, `→ ${p.reply}`),
        el('button', { class: 'approve', onclick: () => decide(p.id, 'approve') }, 'Approve'), ' ',
        el('button', { class: 'reject', onclick: () => decide(p.id, 'reject') }, 'Reject'),
      ),
    ),
  );
}

async function decide(id, action) {
  await api(`/api/approvals/${encodeURIComponent(id)}`, { action });
  renderPending(state.pending.filter((p) => p.id !== id));
}

// ---- controls
async function loadControls() {
  const { ok, data } = await api(`/api/controls?scope=${encodeURIComponent(state.scope)}`);
  if (!ok) return;
  const sel = $('#scope');
  sel.replaceChildren(...data.scopes.map((s) => el('option', s === data.scope ? { value: s, selected: '' } : { value: s }, s)));
  $('#t-fields tbody').replaceChildren(
    ...data.fields.map((f) => {
      const options = /^[a-z]+(, [a-z]+)+$/.test(f.allowed) ? f.allowed.split(', ') : null;
      const input = options ? el('select', { name: f.field }, ...options.map((o) => el('option', o === f.value ? { value: o, selected: '' } : { value: o }, o))) : el('input', { name: f.field, value: f.value, size: '8' });
      return el('tr', { dataset: { field: f.field } },
        el('td', { title: f.effect }, f.field),
        el('td', {}, `${f.value} (${f.source})`),
        el('td', {}, input, ' ', el('button', { class: 'set', onclick: () => change({ action: 'set', field: f.field, value: input.value }) }, 'Set'), ' ',
          el('button', { class: 'reset', onclick: () => change({ action: 'reset', field: f.field }) }, 'Reset')),
      );
    }),
  );
  $('#sets').replaceChildren(
    ...Object.entries(data.sets).map(([name, members]) => {
      const input = el('input', { placeholder: name.endsWith('users') ? 'twitch:login' : 'word', size: '14' });
      return el('div', { class: 'set-box', dataset: { set: name } },
        el('strong', {}, name), ' ',
        ...members.map((m) => el('span', { class: 'member' }, m, el('button', { title: 'remove', onclick: () => changeSet(name, m, false) }, '×'), ' ')),
        input, el('button', { onclick: () => changeSet(name, input.value, true) }, 'Add'));
    }),
  );
  $('#audit').replaceChildren(...data.audit.map(auditItem));
}

function auditItem(a) {
  const what = a.action === 'add' || a.action === 'remove' ? `${a.action} ${a.field}` : `${a.field}: ${a.old ?? '(unset)'} → ${a.new ?? '(unset)'}`;
  return el('li', {}, `${new Date(Number(a.at)).toLocaleTimeString()} ${a.by}${a.via ? ` via ${a.via}` : ''} · ${a.key.split(':').slice(1).join(':')} · ${what}`);
}

async function change(body) {
  const { ok, data } = await api('/api/controls', { scope: state.scope, ...body });
  $('#controls-msg').textContent = ok ? (data.changed ? `${data.scope} ${data.field}: ${data.old ?? '(unset)'} → ${data.new ?? '(unset)'} (within 1 s)` : 'unchanged') : `${data.error}${data.allowed ? `; allowed: ${data.allowed}` : ''}`;
  $('#controls-msg').className = ok ? '' : 'error';
  loadControls();
}

async function changeSet(set, member, add) {
  const { ok, data } = await api('/api/sets', { set, member, add });
  $('#controls-msg').textContent = ok ? `${data.member} ${add ? 'added to' : 'removed from'} ${set}` : data.error;
  $('#controls-msg').className = ok ? '' : 'error';
  loadControls();
}

// ---- live connection
function connect() {
  source?.close();
  source = new EventSource('/api/stream');
  source.onopen = () => ($('#conn').textContent = 'live');
  source.onerror = () => ($('#conn').textContent = 'reconnecting…');
  source.addEventListener('live', (m) => renderLive(JSON.parse(m.data)));
  source.addEventListener('pending', (m) => renderPending(JSON.parse(m.data)));
  source.addEventListener('events', (m) => {
    for (const e of JSON.parse(m.data)) addEvent(e);
    renderChat();
  });
  source.addEventListener('event', (m) => {
    addEvent(JSON.parse(m.data));
    renderChat();
  });
  source.addEventListener('audit', () => {
    if (location.hash === '#controls') loadControls();
  });
}

async function start() {
  const { data } = await api('/api/session');
  csrf = data.csrf;
  if (!data.authenticated) return showLogin();
  $('#login').hidden = true;
  $('#nav').hidden = false;
  $('#logout').hidden = !data.tokenRequired;
  $('#overlay-url').textContent = data.overlayUrl ?? '';
  showPage();
  connect();
}

$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const { ok, status, data } = await api('/api/login', { token: $('#token').value });
  if (!ok) {
    $('#login-error').textContent = status === 429 ? 'Too many attempts: wait a minute.' : 'Wrong token.';
    return;
  }
  $('#token').value = '';
  $('#login-error').textContent = '';
  start();
});
$('#logout').addEventListener('click', async () => {
  await api('/api/logout', {});
  location.reload();
});
$('#chat-filter').addEventListener('change', renderChat);
$('#scope').addEventListener('change', () => {
  state.scope = $('#scope').value;
  loadControls();
});
$('#pause').addEventListener('click', () => change({ action: 'pause' }));
$('#resume').addEventListener('click', () => change({ action: 'resume' }));
window.addEventListener('hashchange', showPage);
start();
