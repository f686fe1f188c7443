/* global document */
// DOM builders for the dashboard. Every value from the API goes in through
// textContent, never as HTML.

/** el('td', {class: 'x'}, 'text', childNode, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

function time(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  return el('time', { datetime: iso, title: iso }, d.toLocaleString());
}

function badge(text, tone) {
  return el('span', { class: `badge ${tone}` }, text);
}

const PHASE_TONE = {
  Completed: 'ok',
  Successful: 'ok',
  True: 'ok',
  InProgress: 'busy',
  Init: 'busy',
  Pending: 'idle',
  Failure: 'bad',
  False: 'bad',
  Unknown: 'warn',
};

export function phaseBadge(phase) {
  return badge(phase || 'no status', PHASE_TONE[phase] ?? 'idle');
}

export function nodeRow(n) {
  const status =
    n.ready === 'True' ? badge('Ready', 'ok') : badge(n.ready === 'False' ? 'NotReady' : 'Unknown', 'bad');
  return el(
    'tr',
    { 'data-node': n.name },
    el('th', { scope: 'row' }, n.name),
    el(
      'td',
      {},
      status,
      n.ready !== 'True' && n.reason ? el('span', { class: 'reason' }, ` ${n.reason}`) : null,
    ),
    el('td', {}, n.version || '—'),
    el('td', {}, n.owner || '—'),
    el('td', {}, time(n.lastHeartbeat)),
  );
}

function counts(job) {
  const parts = Object.entries(job.counts).map(([phase, count]) => `${count} ${phase}`);
  return parts.length ? parts.join(', ') : '—';
}

export function jobRow(job, selected, onSelect) {
  const button = el(
    'button',
    {
      type: 'button',
      class: 'link',
      'aria-pressed': selected ? 'true' : 'false',
      onclick: () => onSelect(job),
    },
    job.name,
  );
  return el(
    'tr',
    { 'data-job': `${job.kind}/${job.name}`, class: selected ? 'selected' : undefined },
    el('th', { scope: 'row' }, button),
    el('td', {}, job.kind),
    el(
      'td',
      {},
      phaseBadge(job.phase),
      job.reason ? el('span', { class: 'reason' }, ` ${job.reason}`) : null,
    ),
    el('td', {}, job.progress || '—'),
    el('td', {}, counts(job)),
    el('td', {}, time(job.created)),
  );
}

function timeline(flow) {
  if (flow.length === 0) return el('p', { class: 'muted' }, 'No action reported yet.');
  return el(
    'ol',
    { class: 'timeline', 'aria-label': 'Action flow' },
    ...flow.map((a) =>
      el(
        'li',
        { class: a.status === 'True' ? 'ok' : 'bad', 'data-action': a.action },
        el('strong', {}, a.action),
        ' ',
        badge(a.status, a.status === 'True' ? 'ok' : 'bad'),
        ' ',
        time(a.time),
        a.reason ? el('div', { class: 'reason' }, a.reason) : null,
      ),
    ),
  );
}

function images(list) {
  return el(
    'table',
    { class: 'images' },
    el('caption', {}, 'Images'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col' }, 'Image'),
        el('th', { scope: 'col' }, 'Pulled'),
        el('th', { scope: 'col' }, 'Reason'),
      ),
    ),
    el(
      'tbody',
      {},
      ...list.map((i) =>
        el(
          'tr',
          {},
          el('td', {}, i.image),
          el('td', {}, badge(i.status, i.status === 'True' ? 'ok' : 'bad')),
          el('td', {}, i.reason ?? ''),
        ),
      ),
    ),
  );
}

export function nodeCard(job, n, onConfirm) {
  const facts = [];
  if (n.historicVersion || n.currentVersion) {
    facts.push(el('li', {}, `version: ${n.historicVersion || '?'} → ${n.currentVersion || '?'}`));
  }
  if (n.dispatchedBy) facts.push(el('li', {}, `dispatched by ${n.dispatchedBy}`));
  if (n.startTime) facts.push(el('li', {}, 'started ', time(n.startTime)));
  let confirm = null;
  if (n.awaitingConfirmation) {
    confirm = el(
      'button',
      { type: 'button', class: 'confirm', onclick: (e) => onConfirm(job, n.nodeName, e.currentTarget) },
      `Confirm upgrade of ${n.nodeName}`,
    );
  } else if (job.requireConfirmation && n.confirmed) {
    confirm = el('p', { class: 'muted' }, 'confirmed');
  }
  return el(
    'article',
    { class: 'node-card', 'data-node': n.nodeName, 'aria-label': `node ${n.nodeName}` },
    el('h3', {}, n.nodeName, ' ', phaseBadge(n.phase)),
    n.reason ? el('p', { class: 'reason' }, n.reason) : null,
    facts.length ? el('ul', { class: 'facts' }, ...facts) : null,
    confirm,
    timeline(n.actionFlow),
    n.imageStatus && n.imageStatus.length ? images(n.imageStatus) : null,
  );
}
