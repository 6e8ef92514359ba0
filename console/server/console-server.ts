/**
 * The console's HTTP server on 127.0.0.1: the pages (console/web), a JSON API over the data layer,
 * server-sent events that push an order (or the list) whenever what it shows changed, and the actions.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { ActionError, commands, LOCAL_ONLY_ACTIONS, runAction, TEST_CARDS } from './actions';
import { describeExecution, historyOf } from './data/executions';
import { countByStatus, findOrder, listOrders, ORDER_STATUSES } from './data/orders';
import { peekDlqs } from './data/queues';
import { metricsOfLastHour } from './data/metrics';
import { buildSagaGraph, readAsl, type SagaGraph } from './model/asl-graph';
import { loadOrderPage, sharedReads } from './order-page';
import { closeTarget, createTarget, type ConsoleTargetOptions, type ConsoleTarget } from './target';

export interface ConsoleServer {
  url: string;
  port: number;
  target: ConsoleTarget;
  close(): Promise<void>;
}

export interface ConsoleServerOptions extends ConsoleTargetOptions {
  /** 0 = a free port. */
  port?: number;
  /** How often an open page re-reads its sources (ms). Default 1000 locally, 3000 for a deployed stage. */
  refreshMs?: number;
}

const WEB_ROOT = join(__dirname, '..', 'web');
const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const PAGE_ROUTES = [/^\/$/, /^\/orders\/[^/]+$/, /^\/operations$/];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extraHeaders });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'BODY_TOO_LARGE', 'Action bodies are at most 64 KB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    const parsed = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed;
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'The body must be a JSON object');
  }
}

/**
 * Server-sent events: re-reads with `load` every `intervalMs` while the client is connected and sends
 * the document only when it changed (the page marks what changed).
 */
function stream(req: IncomingMessage, res: ServerResponse, intervalMs: number, load: () => Promise<unknown>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write('retry: 1000\n\n');
  let last = '';
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const text = JSON.stringify(await load());
      if (!closed && text !== last) {
        last = text;
        res.write(`data: ${text}\n\n`);
      }
    } catch (error) {
      if (!closed) res.write(`event: failure\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
    }
    if (!closed) timer = setTimeout(tick, intervalMs);
  };
  req.on('close', () => {
    closed = true;
    clearTimeout(timer);
  });
  void tick();
}

/** The last answer of `load` for `ttlMs`; an empty answer (the API not reachable yet) is not kept. */
function cachedFor<T extends unknown[]>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let kept: { at: number; value: T } | undefined;
  return async () => {
    if (kept && Date.now() - kept.at < ttlMs) return kept.value;
    const value = await load();
    kept = value.length ? { at: Date.now(), value } : undefined;
    return value;
  };
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const target = createTarget(options);
  const graph: SagaGraph = buildSagaGraph(readAsl(options.aslPath));
  const shared = sharedReads(target);
  const refreshMs = options.refreshMs ?? (target.local ? 1000 : 3000);
  const sockets = new Set<import('node:net').Socket>();

  const config = async () => ({
    stage: target.stage,
    region: target.region,
    mode: target.local ? 'local' : 'deployed',
    allowActions: target.allowActions,
    localActions: Boolean(target.local) && target.allowActions,
    stripeEmulator: Boolean(target.local?.stripeEmulatorUrl),
    // aws-local-stepfunctions' timers cannot be advanced from outside: no "expire now" (README).
    expireNow: { supported: false, reason: 'The local Step Functions engine cannot advance the payment wait\'s timer; start the local cloud with PAYMENT_WINDOW_SECONDS=<short> to see expiry.' },
    cards: Object.fromEntries(Object.entries(TEST_CARDS).map(([key, card]) => [key, card.label])),
    statuses: ORDER_STATUSES,
    graph,
    functionOfState: Object.fromEntries(graph.states.filter((state) => state.functionName).map((state) => [state.name, state.functionName])),
  });

  // The catalogue presets of "New test order": every page load asks for them, and each answer costs a
  // Lambda invocation and an inventory read; prices change rarely, so a 30 s cache.
  const products = cachedFor(30_000, async (): Promise<Array<{ sku: string; name: string; price: number; currency: string }>> => {
    if (!target.apiUrl) return [];
    try {
      const response = await fetch(`${target.apiUrl}/products`);
      const body = (await response.json()) as { products?: any[] } | any[];
      return Array.isArray(body) ? body : body.products ?? [];
    } catch {
      return [];
    }
  });

  const ordersList = async (params: URLSearchParams) => {
    const [page, needsAttention] = await Promise.all([
      listOrders(target, {
        status: params.get('status') || undefined,
        sku: params.get('sku') || undefined,
        from: params.get('from') || undefined,
        to: params.get('to') || undefined,
        cursor: params.get('cursor') || undefined,
        limit: params.get('limit') ? Number(params.get('limit')) : undefined,
      }),
      countByStatus(target, 'NEEDS_ATTENTION'),
    ]);
    return { ...page, needsAttention };
  };

  const orderPage = async (orderId: string) => {
    const page = await loadOrderPage(target, graph, shared, orderId);
    if (!page) throw new HttpError(404, 'ORDER_NOT_FOUND', `No order ${orderId}`);
    const cmd = commands(target);
    const paymentIntentId = page.order.payment?.paymentIntentId;
    return {
      ...page,
      commands: {
        cancel: cmd.cancel(orderId),
        resume: cmd.resume(orderId),
        pay: paymentIntentId ? Object.fromEntries(Object.keys(TEST_CARDS).map((card) => [card, cmd.pay(paymentIntentId, card)])) : {},
        authenticate: paymentIntentId ? { succeed: cmd.authenticate(paymentIntentId, 'succeed'), fail: cmd.authenticate(paymentIntentId, 'fail') } : {},
        breakStep: Object.fromEntries(graph.states.filter((s) => s.functionName).map((s) => [s.functionName!, cmd.breakStep(s.functionName!)])),
        healStep: Object.fromEntries(graph.states.filter((s) => s.functionName).map((s) => [s.functionName!, cmd.healStep(s.functionName!)])),
        resend: Object.fromEntries(page.stripeEvents.map((event) => [event.id, cmd.resend(event.id)])),
      },
    };
  };

  const operations = async () => {
    const [alerts, dlqs, metrics] = await Promise.all([shared.alerts(), peekDlqs(target), metricsOfLastHour(target)]);
    const cmd = commands(target);
    return { alerts, dlqs: dlqs.map((dlq) => ({ ...dlq, command: cmd.redrive(dlq.queue, dlq.sourceQueue) })), metrics };
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://console.local');
    const path = url.pathname;
    if (req.method === 'GET' && PAGE_ROUTES.some((pattern) => pattern.test(path))) return sendFile(res, join(WEB_ROOT, 'index.html'));
    if (req.method === 'GET' && path.startsWith('/static/')) {
      const file = normalize(join(WEB_ROOT, path.slice('/static/'.length)));
      if (!file.startsWith(WEB_ROOT) || !existsSync(file) || !statSync(file).isFile()) throw new HttpError(404, 'NOT_FOUND', `No file ${path}`);
      return sendFile(res, file);
    }
    if (req.method === 'GET' && path === '/api/config') return json(res, 200, { ...(await config()), products: await products() });
    if (req.method === 'GET' && path === '/api/orders') return json(res, 200, await ordersList(url.searchParams));
    if (req.method === 'GET' && path === '/api/orders/stream') return stream(req, res, Math.max(refreshMs, 1000), () => ordersList(url.searchParams));
    if (req.method === 'GET' && path === '/api/search') {
      const found = await findOrder(target, url.searchParams.get('q') ?? '');
      return 'error' in found ? json(res, 404, { error: { code: 'NOT_FOUND', message: found.error } }) : json(res, 200, found);
    }
    if (req.method === 'GET' && path === '/api/operations') return json(res, 200, await operations());
    if (req.method === 'GET' && path === '/api/operations/stream') return stream(req, res, Math.max(refreshMs, 2000), operations);
    const order = /^\/api\/orders\/([^/]+)(\/stream)?$/.exec(path);
    if (req.method === 'GET' && order) {
      const orderId = decodeURIComponent(order[1]);
      if (order[2]) return stream(req, res, refreshMs, () => orderPage(orderId));
      return json(res, 200, await orderPage(orderId));
    }
    const history = /^\/api\/executions\/([^/]+)\/history$/.exec(path);
    if (req.method === 'GET' && history) {
      const name = decodeURIComponent(history[1]);
      const execution = await describeExecution(target, name);
      if (!execution) throw new HttpError(404, 'EXECUTION_NOT_FOUND', `No execution ${name}`);
      const events = await historyOf(target, execution.executionArn);
      const download = url.searchParams.has('download') ? { 'content-disposition': `attachment; filename="${name}-history.json"` } : undefined;
      return json(res, 200, { executionArn: execution.executionArn, events }, download);
    }
    const action = /^\/api\/actions\/([a-z-]+)$/.exec(path);
    if (action && req.method === 'POST') {
      // A header no cross-site form can send: a page elsewhere cannot drive this console.
      if (req.headers['x-console-action'] !== '1') throw new HttpError(403, 'MISSING_HEADER', 'Actions need the x-console-action: 1 header');
      if (!target.allowActions) throw new HttpError(403, 'READ_ONLY', 'This console is read-only: start it with --allow-actions');
      if (LOCAL_ONLY_ACTIONS.has(action[1]) && !target.local) throw new HttpError(404, 'LOCAL_ONLY', `${action[1]} exists only against the local cloud`);
      return json(res, 200, await runAction(target, action[1], await readJson(req)));
    }
    throw new HttpError(404, 'NOT_FOUND', `No route ${req.method} ${path}`);
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.end();
      if (error instanceof HttpError || error instanceof ActionError) return json(res, error.status, { error: { code: error.code, message: error.message } });
      json(res, 502, { error: { code: 'UPSTREAM_ERROR', message: (error as Error).message } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3100, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    target,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      closeTarget(target);
    },
  };
}

function sendFile(res: ServerResponse, file: string): void {
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(file).pipe(res);
}
