/* global document, location, history, fetch, EventSource */
// The dashboard page: loads nodes and jobs from the BFF, shows one job's
// per-node action flows, and re-fetches what the /api/v1/events stream says
// changed.
import { el, jobRow, nodeCard, nodeRow, phaseBadge } from './render.js';

const API = '/api/v1';
let selected = location.hash.startsWith('#job/') ? decodeURIComponent(location.hash.slice(5)) : undefined;

async function getJson(path, init) {
  const res = await fetch(API + path, init);
  const body = await res.json();
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

function replaceRows(tableId, rows, emptyText, columns) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren(
    ...(rows.length ? rows : [el('tr', {}, el('td', { colspan: columns, class: 'muted' }, emptyText))]),
  );
}

async function loadNodes() {
  const page = await getJson('/nodes?pageSize=200');
  replaceRows('nodes', page.items.map(nodeRow), 'No nodes yet.', 5);
}

let jobs = [];
async function loadJobs() {
  const page = await getJson('/jobs?pageSize=200');
  jobs = page.items;
  renderJobs();
}

function renderJobs() {
  const rows = jobs.map((j) => jobRow(j, `${j.kind}/${j.name}` === selected, selectJob));
  replaceRows('jobs', rows, 'No node jobs yet.', 6);
}

function selectJob(job) {
  selected = `${job.kind}/${job.name}`;
  history.replaceState(null, '', `#job/${encodeURIComponent(selected)}`);
  renderJobs();
  void loadDetail(true);
}

function showError(text) {
  const p = document.getElementById('detail-error');
  p.textContent = text;
  p.hidden = !text;
}

async function confirmNode(job, node, button) {
  button.disabled = true;
  try {
    await getJson(`/jobs/${job.kind}/${encodeURIComponent(job.name)}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nodes: [node] }),
    });
    showError('');
    await loadDetail(false);
  } catch (err) {
    button.disabled = false;
    showError(`Confirm failed: ${err.message}`);
  }
}

async function loadDetail(focus) {
  const section = document.getElementById('job-detail');
  if (!selected) {
    section.hidden = true;
    return;
  }
  const [kind, ...rest] = selected.split('/');
  const name = rest.join('/');
  let job;
  try {
    job = await getJson(`/jobs/${kind}/${encodeURIComponent(name)}`);
  } catch (err) {
    section.hidden = false;
    document.getElementById('detail-title').textContent = `${kind} ${name}`;
    showError(err.message);
    document.getElementById('detail-nodes').replaceChildren();
    return;
  }
  section.hidden = false;
  showError('');
  const title = document.getElementById('detail-title');
  title.textContent = `${job.kind} ${job.name}`;
  document
    .getElementById('detail-summary')
    .replaceChildren(phaseBadge(job.phase), ` ${job.progress || ''}`, job.reason ? ` — ${job.reason}` : '');
  const cards = job.nodeStatus.map((n) => nodeCard(job, n, confirmNode));
  document
    .getElementById('detail-nodes')
    .replaceChildren(...(cards.length ? cards : [el('p', { class: 'muted' }, 'No node entries yet.')]));
  if (focus) title.focus();
}

function setLive(text, ok) {
  const p = document.getElementById('live');
  p.textContent = text;
  p.className = ok ? 'live ok' : 'live bad';
}

function listen() {
  const events = new EventSource(`${API}/events`);
  events.addEventListener('ready', () => {
    setLive('live', true);
    // Anything may have changed while the stream was down.
    void refresh({ nodes: true, jobs: true, detail: true });
  });
  events.addEventListener('change', (e) => {
    const { changes } = JSON.parse(e.data);
    void refresh({
      nodes: changes.some((c) => c.kind === 'Node'),
      jobs: changes.some((c) => c.kind !== 'Node'),
      detail: changes.some((c) => `${c.kind}/${c.name}` === selected),
    });
  });
  events.addEventListener('error', () => setLive('reconnecting…', false));
}

async function refresh(what) {
  try {
    await Promise.all([
      what.nodes ? loadNodes() : undefined,
      what.jobs ? loadJobs() : undefined,
      what.detail ? loadDetail(false) : undefined,
    ]);
  } catch (err) {
    setLive(`error: ${err.message}`, false);
  }
}

listen();
