// The console's pages (orders list, one order, operations) in plain ES modules: no build step, no
// framework. Live data arrives by server-sent events; each update re-renders only the sections whose
// data changed and marks them, so focus and open panels survive.
// @ts-check

let main = /** @type {HTMLElement} */ (document.getElementById('main'));
const announcer = /** @type {HTMLElement} */ (document.getElementById('announcer'));
/** @type {any} */
let config;
/** @type {EventSource | undefined} */
let source;

/** Escapes text for HTML. */
function h(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
const money = (amount, currency) => (amount === undefined ? '' : `${(amount / 100).toFixed(2)} ${String(currency ?? '').toUpperCase()}`);
const time = (iso) => (iso ? String(iso).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
const announce = (text) => { announcer.textContent = text; };

async function api(path, init) {
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body?.error?.message ?? `${response.status}`);
  return body;
}

async function act(name, body) {
  return api(`/api/actions/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-console-action': '1' }, body: JSON.stringify(body) });
}

function live(path, onData) {
  source?.close();
  source = new EventSource(path);
  source.onmessage = (event) => onData(JSON.parse(event.data));
  source.addEventListener('failure', (event) => announce(`Update failed: ${JSON.parse(/** @type {MessageEvent} */ (event).data).message}`));
}

/** Renders a section only when its data changed; marks it (and announces it) after the first render. */
function section(id, data, render, changes) {
  const element = document.getElementById(id);
  if (!element) return;
  const key = JSON.stringify(data);
  if (element.dataset.key === key) return;
  const first = element.dataset.key === undefined;
  element.dataset.key = key;
  element.innerHTML = render(data);
  if (!first) {
    element.classList.remove('changed');
    void element.offsetWidth; // restart the animation
    element.classList.add('changed');
    changes.push(element.getAttribute('aria-label') ?? id);
  }
}

function commandLine(command) {
  return command ? `<code class="cmd">$ ${h(command)}</code>` : '';
}

// ---------------------------------------------------------------- orders list

function listQuery() {
  const params = new URLSearchParams(location.search);
  return params;
}

function renderList() {
  const params = listQuery();
  const statuses = config.statuses.map((s) => `<option ${params.get('status') === s ? 'selected' : ''}>${h(s)}</option>`).join('');
  const products = (config.products ?? []).map((p) => `<option value="${h(p.sku)}">${h(p.sku)} (${h(p.name)}, ${money(p.price, p.currency)})</option>`).join('');
  main.innerHTML = `
    <h1>Orders</h1>
    <form id="search" class="filters" role="search">
      <label>Search (order id, pi_…, evt_…, execution name)<input name="q" size="44" aria-label="Search orders"></label>
      <button type="submit">Find</button>
      <span id="search-result" role="status"></span>
    </form>
    <form id="filters" class="filters">
      <label>Status<select name="status"><option value="">any</option>${statuses}</select></label>
      <label>SKU<input name="sku" value="${h(params.get('sku') ?? '')}" size="16"></label>
      <label>Created from<input name="from" type="datetime-local" value="${h(params.get('from')?.slice(0, 16) ?? '')}"></label>
      <label>Created to<input name="to" type="datetime-local" value="${h(params.get('to')?.slice(0, 16) ?? '')}"></label>
      <button type="submit">Filter</button>
      <a href="/?status=NEEDS_ATTENTION">Needs attention: <span id="attention-count" class="attention-count">…</span></a>
    </form>
    ${config.allowActions && config.products?.length ? `
    <section aria-label="New test order"><h2>New test order</h2>
      <form id="new-order" class="filters">
        <label>Product<select name="sku">${products}</select></label>
        <label>Quantity<input name="quantity" type="number" min="1" max="100" value="1" size="4"></label>
        <button type="submit">Create test order</button>
        <span id="new-order-result" role="status"></span>
      </form>
      <span id="new-order-command"></span>
    </section>` : ''}
    <section id="orders" aria-label="Orders"></section>
    <p><button type="button" id="older" hidden>Older orders</button></p>`;

  document.getElementById('search')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = /** @type {HTMLInputElement} */ (/** @type {HTMLFormElement} */ (event.target).elements.namedItem('q')).value;
    const result = /** @type {HTMLElement} */ (document.getElementById('search-result'));
    try {
      const found = await api(`/api/search?q=${encodeURIComponent(q)}`);
      navigate(`/orders/${found.orderId}`);
    } catch (error) {
      result.textContent = /** @type {Error} */ (error).message;
    }
  });
  document.getElementById('filters')?.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const next = new URLSearchParams();
    for (const [key, value] of form) {
      if (!value) continue;
      next.set(key, key === 'from' || key === 'to' ? new Date(String(value)).toISOString() : String(value));
    }
    navigate(`/?${next}`);
  });
  document.getElementById('new-order')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const result = /** @type {HTMLElement} */ (document.getElementById('new-order-result'));
    try {
      const reply = await act('new-order', { sku: form.get('sku'), quantity: Number(form.get('quantity')) });
      result.innerHTML = reply.orderId ? `${h(reply.message)}: <a href="/orders/${h(reply.orderId)}">open ${h(reply.orderId)}</a>` : h(reply.message);
      /** @type {HTMLElement} */ (document.getElementById('new-order-command')).innerHTML = commandLine(reply.command);
    } catch (error) {
      result.textContent = /** @type {Error} */ (error).message;
    }
  });

  const shown = [];
  const draw = (page, append) => {
    /** @type {HTMLElement} */ (document.getElementById('attention-count')).textContent = String(page.needsAttention);
    if (!append) shown.length = 0;
    shown.push(...page.orders);
    const rows = shown.map((o) => `<tr><td><a href="/orders/${h(o.orderId)}">${h(o.orderId)}</a></td><td><span class="status ${h(o.status)}">${h(o.status)}</span></td>
      <td>${h(time(o.createdAt))}</td><td>${h(o.skus.join(', '))}</td><td>${money(o.total, o.currency)}</td><td>${h(o.paymentIntentId ?? '')}</td></tr>`).join('');
    /** @type {HTMLElement} */ (document.getElementById('orders')).innerHTML = `<h2>Newest first</h2>
      <table><caption class="visually-hidden">Orders, newest first</caption><thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">SKUs</th><th scope="col">Total</th><th scope="col">PaymentIntent</th></tr></thead>
      <tbody>${rows || '<tr><td colspan="6">No orders match.</td></tr>'}</tbody></table>`;
    const older = /** @type {HTMLButtonElement} */ (document.getElementById('older'));
    older.hidden = !page.cursor;
    older.onclick = async () => {
      source?.close(); // paging back in time: the first page stops following
      const next = new URLSearchParams(params);
      next.set('cursor', page.cursor);
      draw(await api(`/api/orders?${next}`), true);
    };
  };
  live(`/api/orders/stream?${params}`, (page) => draw(page, false));
}

// ---------------------------------------------------------------- one order

/** The execution shown in the graph: the one picked, else the latest. */
let pickedExecution = '';
let selectedState = '';
/** @type {any} */
let lastPage;

function renderOrderShell(orderId) {
  pickedExecution = '';
  selectedState = '';
  main.innerHTML = `
    <h1>Order ${h(orderId)}</h1>
    <p role="status" id="status-line">Order status: …</p>
    <p id="why" class="why" aria-label="Why this order is in this state"></p>
    <section id="actions" aria-label="Actions"></section>
    <div id="action-result" role="status" class="result" hidden></div>
    <div class="grid">
      <div>
        <section id="graph" aria-label="Saga graph"></section>
        <section id="state" aria-label="State details"></section>
        <section id="executions" aria-label="Executions"></section>
      </div>
      <div>
        <section id="timeline" aria-label="Timeline"></section>
        <section id="payment" aria-label="Payment"></section>
        <section id="items" aria-label="Items and stock"></section>
        <section id="problems" aria-label="Ops alerts and dead letters"></section>
      </div>
    </div>
    <section id="history" aria-label="Raw history"></section>`;
  main.addEventListener('click', onOrderClick);
  main.addEventListener('keydown', (event) => {
    const node = /** @type {Element} */ (event.target).closest?.('.node');
    if (node && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      selectState(node.getAttribute('data-state') ?? '');
    }
  });
  live(`/api/orders/${encodeURIComponent(orderId)}/stream`, (page) => drawOrder(page));
}

function shownExecution(page) {
  return page.executions.find((e) => e.name === pickedExecution) ?? page.executions[page.executions.length - 1];
}

function drawOrder(page) {
  lastPage = page;
  const changes = [];
  const order = page.order;
  const status = /** @type {HTMLElement} */ (document.getElementById('status-line'));
  const statusText = `Order status: ${order.status}`;
  if (status.dataset.status !== order.status) {
    if (status.dataset.status) changes.push(`status ${order.status}`);
    status.dataset.status = order.status;
    status.innerHTML = `Order status: <span class="status ${h(order.status)}">${h(order.status)}</span>`;
    status.setAttribute('aria-label', statusText);
  }
  const why = /** @type {HTMLElement} */ (document.getElementById('why'));
  why.textContent = page.why;
  why.classList.toggle('bad', ['NEEDS_ATTENTION', 'REJECTED'].includes(order.status));
  const execution = shownExecution(page);

  section('actions', { status: order.status, pi: page.payment, cmds: page.commands, attention: order.attention, allow: config.allowActions }, () => renderActions(page), changes);
  drawGraph(execution, changes);
  section('state', { selectedState, execution: execution?.name, run: execution?.run.states[selectedState], faults: page.faults }, () => renderState(page, execution), changes);
  section('executions', page.executions.map((e) => [e.name, e.status, e.stopDate, pickedExecution]), () => renderExecutions(page), changes);
  section('timeline', page.timeline, () => renderTimeline(page.timeline), changes);
  section('payment', { payment: page.payment, events: page.stripeEvents, deliveries: page.deliveries }, () => renderPayment(page), changes);
  section('items', { items: order.items, amounts: order.amounts, stock: page.stock, effect: order.stock }, () => renderItems(page), changes);
  section('problems', { alerts: page.alerts, dlq: page.dlqMessages }, () => renderProblems(page), changes);
  section('history', { execution: execution?.name, count: execution?.eventCount }, () => renderHistoryShell(execution), changes);
  if (changes.length) announce(`Updated: ${changes.join(', ')}`);
}

function renderActions(page) {
  const order = page.order;
  if (!config.allowActions) return '<h2>Actions</h2><p class="muted">Read-only console (start it with --allow-actions to act).</p>';
  const parts = [];
  const pi = page.payment;
  if (order.status === 'AWAITING_PAYMENT' && pi) {
    const cards = Object.entries(config.cards).map(([card, label]) =>
      `<div><button type="button" data-action="pay" data-card="${h(card)}">Pay with test card: ${h(label)}</button>${commandLine(page.commands.pay[card])}</div>`).join('');
    parts.push(cards);
    if (pi.status === 'requires_action' && config.localActions && config.stripeEmulator) {
      parts.push(`<div><button type="button" data-action="authenticate" data-outcome="succeed">Complete 3-D Secure</button>${commandLine(page.commands.authenticate.succeed)}</div>`);
      parts.push(`<div><button type="button" data-action="authenticate" data-outcome="fail">Fail 3-D Secure</button>${commandLine(page.commands.authenticate.fail)}</div>`);
    }
  }
  if (['PENDING', 'AWAITING_PAYMENT'].includes(order.status)) {
    parts.push(`<div><button type="button" class="danger" data-action="cancel">Cancel order</button>${commandLine(page.commands.cancel)}</div>`);
    if (config.localActions) parts.push(`<div><button type="button" disabled aria-describedby="expire-why">Expire payment window now</button><p id="expire-why" class="muted">${h(config.expireNow.reason)}</p></div>`);
  }
  if (order.status === 'NEEDS_ATTENTION' && order.attention?.kind === 'POST_PAYMENT_STEP_FAILED') {
    parts.push(`<div><button type="button" data-action="resume">Resume order</button>${commandLine(page.commands.resume)}</div>`);
  }
  return `<h2>Actions</h2><div class="actions-row">${parts.join('') || '<p class="muted">No action applies in this status.</p>'}</div>`;
}

function drawGraph(execution, changes) {
  const element = /** @type {HTMLElement} */ (document.getElementById('graph'));
  const graph = config.graph;
  if (!element.dataset.drawn) {
    element.dataset.drawn = '1';
    const edges = graph.edges.map((e, i) => `<path id="edge-${i}" class="edge ${h(e.kind)}" data-edge="${h(`${e.from}->${e.to}`)}" d="M${e.points.map((p) => `${p.x},${p.y}`).join(' L')}" marker-end="url(#arrow)"></path>`).join('');
    const nodes = graph.states.map((s) => `<g class="node${s.compensation ? ' compensation' : ''}" data-state="${h(s.name)}" role="button" tabindex="0" aria-label="${h(s.name)}: not entered" transform="translate(${s.x},${s.y})">
      <rect width="${s.width}" height="${s.height}"></rect>
      <text><tspan x="8" y="18">${h(s.name)}</tspan> <tspan class="sub" x="8" y="35">not entered</tspan></text></g>`).join('');
    element.innerHTML = `<h2>Saga graph <span class="muted">(from stepfunctions/checkout.asl.yml)</span></h2>
      <p class="legend muted"><span>solid: next/choice</span><span>dashed line: catch</span><span>dashed box: compensation branch</span><span>thick blue: path taken</span></p>
      <svg class="graph" role="group" aria-label="Saga graph of execution" viewBox="0 0 ${graph.width} ${graph.height}">
        <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"></path></marker></defs>
        ${edges}${nodes}</svg>`;
  }
  const run = execution?.run;
  const taken = new Set(run?.transitions ?? []);
  for (const path of element.querySelectorAll('.edge')) path.classList.toggle('taken', taken.has(path.getAttribute('data-edge') ?? ''));
  for (const node of element.querySelectorAll('.node')) {
    const name = node.getAttribute('data-state') ?? '';
    const state = run?.states[name];
    const label = execution?.labels[name] ?? `${name}: not entered`;
    if (node.getAttribute('aria-label') !== label) {
      if (node.getAttribute('data-status')) changes.push(label);
      node.setAttribute('aria-label', label);
      // The status in words too (not only in colour); the accessible name holds the visible text.
      const sub = node.querySelector('.sub');
      if (sub) sub.textContent = label.slice(name.length + 2);
    }
    const status = state?.status ?? 'not entered';
    node.setAttribute('data-status', status);
    node.setAttribute('class', `node${config.graph.states.find((s) => s.name === name)?.compensation ? ' compensation' : ''} s-${status.replace(' ', '-')}${name === selectedState ? ' selected' : ''}`);
  }
}

function selectState(name) {
  selectedState = name;
  if (lastPage) drawOrder(lastPage);
  document.getElementById('state')?.scrollIntoView({ block: 'nearest' });
}

function renderState(page, execution) {
  if (!selectedState) return '<h2>State details</h2><p class="muted">Select a state in the graph (click, or Tab to it and press Enter) for its input, output, error and attempts.</p>';
  const state = execution?.run.states[selectedState] ?? { status: 'not entered', attempts: 0 };
  const graphState = config.graph.states.find((s) => s.name === selectedState);
  const fn = graphState?.functionName;
  const fault = (page.faults ?? []).find?.((f) => f.functionName === fn);
  const faultControls = fn && config.localActions
    ? `<p>${fault ? `<strong>${h(fn)} is broken</strong> (mode ${h(fault.mode)}, ${h(fault.injected)} failures injected).` : `${h(fn)} runs normally.`}</p>
       <div class="actions-row"><div><button type="button" class="danger" data-action="break-step" data-function="${h(fn)}">Break ${h(fn)}</button>${commandLine(page.commands.breakStep[fn])}</div>
       <div><button type="button" data-action="heal-step" data-function="${h(fn)}">Heal ${h(fn)}</button>${commandLine(page.commands.healStep[fn])}</div></div>`
    : '';
  const block = (title, text) => (text ? `<h3>${title}</h3><pre>${h(pretty(text))}</pre>` : '');
  return `<h2>${h(selectedState)} <span class="muted">(${h(graphState?.type)}${fn ? `, function ${h(fn)}` : graphState?.resource ? `, ${h(graphState.resource)}` : ''})</span></h2>
    <p>Status: <strong>${h(state.status)}</strong>; attempts: ${h(state.attempts)}${state.enteredAt ? `; entered ${h(time(state.enteredAt))}` : ''}${state.exitedAt ? `; left ${h(time(state.exitedAt))}` : ''}</p>
    ${faultControls}${block('Error', state.error)}${block('Cause', state.cause)}${block('Input', state.input)}${block('Output', state.output)}`;
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function renderExecutions(page) {
  const rows = page.executions.map((e) => `<tr><td><button type="button" data-execution="${h(e.name)}" aria-pressed="${shownExecution(page)?.name === e.name}">Show ${h(e.name)}</button></td><td>${h(e.kind)}</td><td>${h(e.status)}</td><td>${h(time(e.startDate))}</td><td>${h(time(e.stopDate))}</td>
    <td><a href="/api/executions/${encodeURIComponent(e.name)}/history?download=1" download>history.json</a></td></tr>`).join('');
  return `<h2>Executions of this order</h2><table><thead><tr><th scope="col">Execution</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Stopped</th><th scope="col">Raw history</th></tr></thead><tbody>${rows || '<tr><td colspan="6">None yet.</td></tr>'}</tbody></table>`;
}

const TIMELINE_PAGE = 200;
function renderTimeline(entries) {
  const shown = entries.slice(-TIMELINE_PAGE);
  const rows = shown.map((e) => `<tr><td>${h(time(e.at))}</td><td class="source">${h(e.source)}</td><td class="tone-${h(e.tone)}">${h(e.title)}${e.detail ? `<details><summary>${h(e.detailLabel ?? 'detail')}</summary><pre>${h(pretty(e.detail))}</pre></details>` : ''}</td></tr>`).join('');
  return `<h2>Timeline <span class="muted">(${entries.length} entries${entries.length > TIMELINE_PAGE ? `, the last ${TIMELINE_PAGE} shown` : ''})</span></h2>
    <table><thead><tr><th scope="col">Time</th><th scope="col">Source</th><th scope="col">What</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderPayment(page) {
  const pi = page.payment;
  if (!pi) return '<h2>Payment</h2><p class="muted">No PaymentIntent yet.</p>';
  const error = pi.lastError ? `<p class="tone-error">Last error: ${h([pi.lastError.code, pi.lastError.declineCode].filter(Boolean).join(' / '))} ${h(pi.lastError.message ?? '')}</p>` : '';
  const events = page.stripeEvents.map((e) => {
    const deliveries = page.deliveries.filter((d) => d.eventId === e.id);
    const attempts = deliveries.map((d) => `${d.statusCode ?? 'no answer'}${d.durationMs !== undefined ? ` in ${d.durationMs} ms` : ''}${d.resend ? ' (resent)' : ''}`).join('; ');
    const controls = config.localActions && config.stripeEmulator
      ? `<button type="button" data-action="resend-webhook" data-event="${h(e.id)}" data-copies="1">Resend ${h(e.id)}</button> <button type="button" data-action="resend-webhook" data-event="${h(e.id)}" data-copies="2">Duplicate ${h(e.id)}</button>${commandLine(page.commands.resend[e.id])}`
      : '';
    return `<tr><td>${h(time(e.at))}</td><td>${h(e.type)}<br><code>${h(e.id)}</code></td><td>${h(attempts || (e.pendingWebhooks ? `${e.pendingWebhooks} pending` : 'not sent to the endpoint'))}</td><td>${controls}</td></tr>`;
  }).join('');
  return `<h2>Payment</h2><p>PaymentIntent <code>${h(pi.id)}</code>: <strong>${h(pi.status)}</strong>, ${money(pi.amount, pi.currency)}</p>${error}
    <table><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Webhook deliveries</th><th scope="col">Actions</th></tr></thead><tbody>${events}</tbody></table>`;
}

function renderItems(page) {
  const order = page.order;
  const items = (order.items ?? []).map((l) => `<tr><td>${h(l.sku)}</td><td>${h(l.name)}</td><td>${h(l.quantity)}</td><td>${money(l.lineTotal, order.amounts?.currency)}</td></tr>`).join('');
  const stock = page.stock.map((s) => `<tr><td>${h(s.sku)}</td><td>${h(s.available)}</td><td>${h(s.reserved)}</td><td>${h(s.sold)}</td></tr>`).join('');
  return `<h2>Items and amounts</h2><table><thead><tr><th scope="col">SKU</th><th scope="col">Name</th><th scope="col">Qty</th><th scope="col">Line total</th></tr></thead><tbody>${items}</tbody></table>
    <p>Subtotal ${money(order.amounts?.subtotal, order.amounts?.currency)}, shipping ${money(order.amounts?.shipping, order.amounts?.currency)}, <strong>total ${money(order.amounts?.total, order.amounts?.currency)}</strong>. This order's stock: <strong>${h(order.stock ?? 'none held')}</strong>.</p>
    <h3>Stock per SKU now</h3><table><thead><tr><th scope="col">SKU</th><th scope="col">Available</th><th scope="col">Reserved</th><th scope="col">Sold</th></tr></thead><tbody>${stock}</tbody></table>`;
}

function renderProblems(page) {
  const alerts = page.alerts.map((a) => `<li>${h(time(a.at))}: ${h(a.step ?? '')} ${h(a.error ?? '')} ${h(a.reason ?? '')} <span class="muted">(${h(a.source)})</span></li>`).join('');
  const dlq = page.dlqMessages.map((m) => `<li>${h(m.queue)} <code>${h(m.messageId)}</code> <a href="/operations">redrive on the operations page</a><pre>${h(m.body)}</pre></li>`).join('');
  return `<h2>Ops alerts and dead letters naming this order</h2>${alerts || dlq ? `<ul>${alerts}${dlq}</ul>` : '<p class="muted">None.</p>'}`;
}

const HISTORY_PAGE = 100;
function renderHistoryShell(execution) {
  if (!execution) return '<h2>Raw history</h2><p class="muted">No execution yet.</p>';
  return `<h2>Raw history of ${h(execution.name)} <span class="muted">(${h(execution.eventCount)} events)</span></h2>
    <p><label>Filter events <input id="history-filter" placeholder="type, state or text"></label>
    <button type="button" data-history="${h(execution.name)}">Load history</button>
    <a href="/api/executions/${encodeURIComponent(execution.name)}/history?download=1" download>Download JSON</a></p><div id="history-rows"></div>`;
}

async function loadHistory(name, offset = 0) {
  const { events } = await api(`/api/executions/${encodeURIComponent(name)}/history`);
  const filter = /** @type {HTMLInputElement} */ (document.getElementById('history-filter'))?.value.toLowerCase() ?? '';
  const matching = events.filter((e) => !filter || JSON.stringify(e).toLowerCase().includes(filter));
  const slice = matching.slice(offset, offset + HISTORY_PAGE);
  const rows = slice.map((e) => `<tr><td>${h(e.id)}</td><td>${h(time(e.timestamp))}</td><td>${h(e.type)}</td><td><pre>${h(JSON.stringify(Object.fromEntries(Object.entries(e).filter(([k]) => k.endsWith('EventDetails'))), null, 1))}</pre></td></tr>`).join('');
  const more = offset + HISTORY_PAGE < matching.length ? `<button type="button" data-history="${h(name)}" data-offset="${offset + HISTORY_PAGE}">Next ${HISTORY_PAGE} events</button>` : '';
  const prev = offset > 0 ? `<button type="button" data-history="${h(name)}" data-offset="${Math.max(0, offset - HISTORY_PAGE)}">Previous ${HISTORY_PAGE} events</button>` : '';
  /** @type {HTMLElement} */ (document.getElementById('history-rows')).innerHTML = `<p>${matching.length} of ${events.length} events match; showing ${slice.length ? offset + 1 : 0}-${offset + slice.length}. ${prev} ${more}</p>
    <table><thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Details</th></tr></thead><tbody>${rows}</tbody></table>`;
}

async function onOrderClick(event) {
  const target = /** @type {HTMLElement} */ (event.target);
  const node = target.closest?.('.node');
  if (node) return selectState(node.getAttribute('data-state') ?? '');
  const executionButton = target.closest?.('[data-execution]');
  if (executionButton) {
    pickedExecution = executionButton.getAttribute('data-execution') ?? '';
    return drawOrder(lastPage);
  }
  const historyButton = target.closest?.('[data-history]');
  if (historyButton) return loadHistory(historyButton.getAttribute('data-history') ?? '', Number(historyButton.getAttribute('data-offset') ?? 0));
  const button = target.closest?.('button[data-action]');
  if (!button || !lastPage) return;
  const action = button.getAttribute('data-action');
  const order = lastPage.order;
  const bodies = {
    pay: () => ({ paymentIntentId: order.payment?.paymentIntentId, card: button.getAttribute('data-card') }),
    authenticate: () => ({ paymentIntentId: order.payment?.paymentIntentId, outcome: button.getAttribute('data-outcome') }),
    cancel: () => ({ orderId: order.orderId }),
    resume: () => ({ orderId: order.orderId }),
    'break-step': () => ({ function: button.getAttribute('data-function') }),
    'heal-step': () => ({ function: button.getAttribute('data-function') }),
    'resend-webhook': () => ({ eventId: button.getAttribute('data-event'), copies: Number(button.getAttribute('data-copies')) }),
  };
  const result = /** @type {HTMLElement} */ (document.getElementById('action-result'));
  result.hidden = false;
  try {
    const reply = await act(action, bodies[action]());
    result.innerHTML = `${h(reply.message)}${commandLine(reply.command)}`;
  } catch (error) {
    result.textContent = `${action} failed: ${/** @type {Error} */ (error).message}`;
  }
}

// ---------------------------------------------------------------- operations

function renderOperations() {
  main.innerHTML = `<h1>Operations</h1>
    <div id="ops-result" role="status" class="result" hidden></div>
    <section id="ops-alerts" aria-label="Ops alerts"></section>
    <section id="ops-dlqs" aria-label="Dead-letter queues"></section>
    <section id="ops-metrics" aria-label="Business metrics, last hour"></section>`;
  main.addEventListener('click', async (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest?.('button[data-redrive]');
    if (!button) return;
    const result = /** @type {HTMLElement} */ (document.getElementById('ops-result'));
    result.hidden = false;
    try {
      const reply = await act('redrive', { queue: button.getAttribute('data-queue'), messageId: button.getAttribute('data-redrive') });
      result.innerHTML = `${h(reply.message)}${commandLine(reply.command)}`;
    } catch (error) {
      result.textContent = `Redrive failed: ${/** @type {Error} */ (error).message}`;
    }
  });
  live('/api/operations/stream', (ops) => {
    const changes = [];
    section('ops-alerts', ops.alerts, (alerts) => `<h2>Ops alerts (${alerts.length})</h2>${alerts.length ? `<table><thead><tr><th scope="col">Time</th><th scope="col">Order</th><th scope="col">Step</th><th scope="col">Error</th><th scope="col">Reason</th></tr></thead><tbody>${alerts.map((a) =>
      `<tr><td>${h(time(a.at))}</td><td><a href="/orders/${h(a.orderId)}">${h(a.orderId)}</a></td><td>${h(a.step)}</td><td>${h(a.error)}</td><td>${h(a.reason)}</td></tr>`).join('')}</tbody></table>` : '<p class="muted">None.</p>'}`, changes);
    section('ops-dlqs', ops.dlqs, (dlqs) => `<h2>Dead-letter queues <span class="muted">(read without consuming)</span></h2>${dlqs.map((q) => `<h3>${h(q.queue)} → ${h(q.sourceQueue)}: ${h(q.depth)} message(s)</h3>
      ${q.messages.length ? `<table><thead><tr><th scope="col">Message</th><th scope="col">Orders</th><th scope="col">Body</th><th scope="col">Action</th></tr></thead><tbody>${q.messages.map((m) => `<tr><td><code>${h(m.messageId)}</code><br>${h(time(m.sentAt))}</td>
        <td>${m.orderIds.map((id) => `<a href="/orders/${h(id)}">${h(id)}</a>`).join('<br>')}</td><td><pre>${h(m.body)}</pre></td>
        <td>${config.allowActions ? `<button type="button" data-redrive="${h(m.messageId)}" data-queue="${h(q.queue)}">Redrive message ${h(m.messageId)}</button>` : ''}</td></tr>`).join('')}</tbody></table>${config.allowActions ? commandLine(q.command) : ''}` : '<p class="muted">Empty.</p>'}`).join('')}`, changes);
    section('ops-metrics', ops.metrics, (metrics) => {
      const rows = metrics.series.map((s) => {
        const max = Math.max(1, ...s.points);
        const timed = s.unit === 'Milliseconds';
        const unit = timed ? ' ms' : '';
        const bars = s.points.map((v) => `<span style="height:${Math.round((v / max) * 40)}px" title="${v}${unit}"></span>`).join('');
        const total = timed ? `${s.total} ms average (${s.samples} orders)` : `${s.total}`;
        const label = timed ? `${s.name}, average per minute, last hour: ${total}` : `${s.name} per minute, last hour: ${s.total} in all`;
        return `<tr data-metric="${h(s.name)}"><th scope="row">${h(s.name)}</th><td class="metric-total">${h(total)}</td><td><div class="bars" role="img" aria-label="${h(label)}">${bars}</div></td></tr>`;
      }).join('');
      return `<h2>Business metrics, last hour <span class="muted">(source: ${h(metrics.source)})</span></h2>${metrics.note ? `<p class="muted">${h(metrics.note)}</p>` : ''}
        <table><thead><tr><th scope="col">Metric</th><th scope="col">Last hour</th><th scope="col">Per minute</th></tr></thead><tbody>${rows}</tbody></table>`;
    }, changes);
    if (changes.length) announce(`Updated: ${changes.join(', ')}`);
  });
}

// ---------------------------------------------------------------- routing

function navigate(path) {
  history.pushState({}, '', path);
  route();
}

function route() {
  source?.close();
  // A fresh <main> drops the listeners of the previous page.
  const fresh = /** @type {HTMLElement} */ (main.cloneNode(false));
  main.replaceWith(fresh);
  main = fresh;
  const order = /^\/orders\/([^/]+)$/.exec(location.pathname);
  if (order) {
    document.title = `Order ${decodeURIComponent(order[1])} · checkout-saga console`;
    renderOrderShell(decodeURIComponent(order[1]));
  } else if (location.pathname === '/operations') {
    document.title = 'Operations · checkout-saga console';
    renderOperations();
  } else {
    document.title = 'Orders · checkout-saga console';
    renderList();
  }
}

window.addEventListener('popstate', route);
document.addEventListener('click', (event) => {
  const link = /** @type {HTMLElement} */ (event.target).closest?.('a[href^="/"]');
  if (!link || link.hasAttribute('download') || link.getAttribute('href')?.startsWith('/api/')) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});

config = await api('/api/config');
/** @type {HTMLElement} */ (document.getElementById('target')).textContent = `${config.mode === 'local' ? 'local cloud' : `stage ${config.stage}`} · ${config.region}${config.allowActions ? '' : ' · read-only'}`;
route();
