/**
 * npm run bench: every figure of issue 5, each with the command that produced it.
 *
 * Runs the parts one after another, each in its own process (one local cloud per process), then
 * prints the figures, compares them with bench/results/latest.json (the previous committed run)
 * and writes the new figures there.
 *
 *   npm run bench                   all parts, writes bench/results/latest.json
 *   npm run bench -- --quick        shorter load phases, writes bench/results/quick.tmp.json
 *   npm run bench -- --only saga    some parts only (bundles, engine, saga, expiry, console); no file written
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NOT_PRICED, PRICES, PRICES_CHECKED, REGION } from './prices';

const ROOT = path.join(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
const LATEST = path.join(RESULTS, 'latest.json');
const QUICK = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt > 0 ? process.argv[onlyAt + 1].split(',') : undefined;

const PARTS: Array<{ name: string; script: string; limitMs: number }> = [
  { name: 'bundles', script: 'bench/parts/bundles.ts', limitMs: 120_000 },
  { name: 'engine', script: 'bench/parts/engine.ts', limitMs: 60_000 },
  { name: 'saga', script: 'bench/parts/saga.ts', limitMs: 240_000 },
  { name: 'expiry', script: 'bench/parts/expiry.ts', limitMs: 120_000 },
  { name: 'console', script: 'bench/parts/console.ts', limitMs: 300_000 },
];

function runPart(part: (typeof PARTS)[number]): Promise<any> {
  const out = path.join(RESULTS, `${part.name}.tmp.json`);
  rmSync(out, { force: true });
  const tsx = require.resolve('tsx/cli');
  const args = [tsx, part.script, '--out', out, ...(QUICK ? ['--quick'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => {
      // The AWS SDK's Node 20 deprecation notice and npm's config warnings are noise here.
      const text = chunk
        .toString()
        .split('\n')
        .filter((line) => line && !/NodeVersionSupportWarning|versions published after|require node >=22|To continue receiving|security updates please|More information can be found|--trace-warnings|nodedir/.test(line))
        .join('\n');
      if (text) process.stderr.write(text + '\n');
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), part.limitMs + 10_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || !existsSync(out)) return reject(new Error(`${part.script} ended with ${code ?? signal}`));
      const result = JSON.parse(readFileSync(out, 'utf8'));
      rmSync(out, { force: true });
      resolve(result);
    });
  });
}

function machine() {
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'functions', 'stepfunctions', 'serverless.yml', 'local'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch {
    // not a git checkout
  }
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory: gib(os.totalmem()),
    freeMemoryAtStart: gib(os.freemem()),
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    commit,
    productCodeChangedSinceCommit: dirty,
  };
}

/** The figures worth comparing from one run to the next, flat. */
function headline(parts: Record<string, any>): Record<string, number | undefined> {
  const h: Record<string, number | undefined> = {};
  const paths = { ...(parts.saga?.costPerOrder ?? {}), ...(parts.expiry?.costPerOrder ?? {}) };
  for (const [name, p] of Object.entries<any>(paths)) {
    h[`cost.${name}.stateTransitions`] = p.perOrder.stateTransitions;
    h[`cost.${name}.lambdaTasksInStateMachine`] = p.perOrder.lambdaTasksInStateMachine;
    h[`cost.${name}.lambdaInvocations`] = p.perOrder.lambdaRequests;
    h[`cost.${name}.webhookInvocations`] = p.perOrder.webhookInvocations;
    h[`cost.${name}.dynamoDbCalls`] = p.perOrder.dynamoDbCalls;
    h[`cost.${name}.dynamoDbWriteUnits`] = p.perOrder.dynamoDbWriteUnits;
    h[`cost.${name}.dynamoDbReadUnits`] = p.perOrder.dynamoDbReadUnits;
    h[`cost.${name}.sqsRequests`] = p.perOrder.sqsRequests;
    h[`cost.${name}.usdPerMillionOrders`] = p.costPerMillionOrdersUsd;
    h[`cost.${name}.usdPerMillionOrdersAsDeployed`] = p.costPerMillionOrdersAsDeployedUsd;
  }
  for (const load of parts.saga?.throughput ?? []) {
    const k = `throughput.n${load.customers}`;
    h[`${k}.ordersPerSecond`] = load.ordersPerSecond;
    h[`${k}.toAwaiting.p50`] = load.toAwaitingMs.p50;
    h[`${k}.toAwaiting.p99`] = load.toAwaitingMs.p99;
    h[`${k}.toCompleted.p50`] = load.toCompletedMs.p50;
    h[`${k}.toCompleted.p99`] = load.toCompletedMs.p99;
  }
  const ceiling = parts.saga?.dynamoDbLocalCeiling;
  if (ceiling) {
    h['ceiling.conditionalWritesPerSecond'] = ceiling.conditionalWritesPerSecond;
    h['ceiling.ordersPerSecond'] = ceiling.ceilingOrdersPerSecond;
    h['ceiling.ratio'] = ceiling.ratio;
  }
  const hot = parts.saga?.hotSku;
  if (hot) {
    h['hotSku.writesToSkuItemPerOrder'] = hot.writesToSkuItemPerOrder;
    h['hotSku.synchronousWritesPerOrder'] = hot.synchronousWritesPerOrder;
    h['hotSku.reservationsPerSecond'] = hot.reservationsPerSecond;
    h['hotSku.singleItemCeilingWritesPerSecond'] = hot.singleItemCeilingWritesPerSecond;
  }
  for (const load of parts.saga?.throughput ?? []) h[`iam.n${load.customers}.microsecondsPerOrder`] = load.iam?.microsecondsPerOrder;
  for (const load of parts.saga?.throughput ?? []) {
    h[`webhookAck.n${load.customers}.p50`] = load.webhookAckMs?.p50;
    h[`webhookAck.n${load.customers}.p99`] = load.webhookAckMs?.p99;
  }
  for (const [fn, b] of Object.entries<any>(parts.bundles?.functions ?? {})) {
    h[`bundle.${fn}.zipKB`] = Number((b.zipBytes / 1024).toFixed(1));
    h[`bundle.${fn}.requireMs`] = b.requireMs;
  }
  if (parts.engine) {
    h['engine.localServicePerSecond'] = parts.engine.localService.perSecond;
    h['engine.libraryAlonePerSecond'] = parts.engine.libraryAlone.perSecond;
    h['engine.overheadFactor'] = parts.engine.overheadFactor;
  }
  return h;
}

const fmt = (v: unknown) => (v === undefined || v === null ? '-' : typeof v === 'number' ? String(v) : String(v));
const usd = (v: number) => (v === 0 ? '0' : v < 0.001 ? v.toExponential(2) : v.toFixed(6));

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}

function report(parts: Record<string, any>): string {
  const lines: string[] = [];
  const section = (title: string, command: string) => lines.push('', `## ${title}`, `   $ ${command}`);

  const paths = { ...(parts.saga?.costPerOrder ?? {}), ...(parts.expiry?.costPerOrder ?? {}) };
  if (Object.keys(paths).length) {
    section('1. AWS cost per order, by path (us-east-1 list prices, bench/prices.ts)', [parts.saga?.command, parts.expiry?.command].filter(Boolean).join(' ; '));
    const names = Object.keys(paths);
    const row = (label: string, get: (p: any) => unknown) => [label, ...names.map((n) => fmt(get(paths[n])))];
    lines.push(
      table([
        ['per order', ...names],
        row('state transitions', (p) => p.perOrder.stateTransitions),
        row('Lambda tasks in the state machine', (p) => p.perOrder.lambdaTasksInStateMachine),
        row('Lambda invocations (all)', (p) => p.perOrder.lambdaRequests),
        row('  of which webhook', (p) => p.perOrder.webhookInvocations),
        row('  of which inventory worker', (p) => p.perOrder.workerInvocations),
        row('Lambda GB-s (measured durations)', (p) => p.perOrder.lambdaGbSeconds),
        row('DynamoDB calls', (p) => p.perOrder.dynamoDbCalls),
        row('DynamoDB read units', (p) => p.perOrder.dynamoDbReadUnits),
        row('DynamoDB write units', (p) => p.perOrder.dynamoDbWriteUnits),
        row('SQS requests', (p) => p.perOrder.sqsRequests),
        row('SNS publishes', (p) => p.perOrder.snsPublishes),
        row('HTTP API requests (no polls)', (p) => p.perOrder.httpApiRequests),
        row('GET /orders polls (not priced)', (p) => p.perOrder.getOrderPolls),
        row('USD per order', (p) => usd(p.costPerOrderUsd.total)),
        row('  Step Functions share', (p) => `${Math.round((100 * p.costPerOrderUsd.stateTransitions) / p.costPerOrderUsd.total)}%`),
        row('USD per million orders', (p) => p.costPerMillionOrdersUsd.toFixed(2)),
        row('  with only the handled webhook types', (p) => (p.costPerMillionOrdersAsDeployedUsd ?? p.costPerMillionOrdersUsd).toFixed(2)),
      ]),
    );
    const happy = paths.happy?.perOrder;
    if (happy) {
      const ok = happy.stateTransitions <= 10 && happy.lambdaTasksInStateMachine <= 3;
      lines.push(`   goal (happy path <= 10 transitions, <= 3 Lambda tasks in the machine): ${happy.stateTransitions} and ${happy.lambdaTasksInStateMachine} -> ${ok ? 'met' : 'NOT MET'}`);
      lines.push(`   happy path DynamoDB calls by caller: ${JSON.stringify(happy.dynamoDbCallsByFunction)}`);
      lines.push(`   happy path Lambda invocations by function: ${JSON.stringify(happy.lambdaByFunction)}`);
      if (paths.happy.webhookDeliveriesByType) {
        lines.push(`   happy path webhook deliveries by type: ${JSON.stringify(paths.happy.webhookDeliveriesByType)} (the emulator sends every type; the deployed endpoint subscribes to the 4 the saga handles)`);
      }
      if (paths.happy.stripeApiCallsPerOrder) lines.push(`   happy path Stripe API calls: ${JSON.stringify(paths.happy.stripeApiCallsPerOrder)} (the confirm is the customer's)`);
    }
    for (const [name, p] of Object.entries<any>(paths)) {
      if (Object.keys(p.perOrder.lambdaErrors ?? {}).length) lines.push(`   ${name}: failed invocations per order ${JSON.stringify(p.perOrder.lambdaErrors)}`);
    }
    lines.push(`   prices checked ${PRICES_CHECKED} (${REGION}): $${PRICES.stepFunctionsPerTransition * 1000}/1k transitions, Lambda $${PRICES.lambdaPerRequest * 1e6}/1M + $${PRICES.lambdaArmPerGbSecond}/GB-s arm64, DynamoDB $${PRICES.dynamoDbPerWriteUnit * 1e6}/1M WRU $${PRICES.dynamoDbPerReadUnit * 1e6}/1M RRU, SQS $${PRICES.sqsPerRequest * 1e6}/1M, SNS $${PRICES.snsPerPublish * 1e6}/1M, HTTP API $${PRICES.httpApiPerRequest * 1e6}/1M`);
    lines.push(`   not priced: ${NOT_PRICED.join('; ')}`);
  }

  const saga = parts.saga;
  if (saga) {
    section('2. Throughput and latency of the local cloud', saga.command);
    lines.push(
      table([
        ['customers', 'poll ms', 'completed', 'orders/s', 'POST->AWAITING p50/p95/p99 ms', 'confirm->COMPLETED p50/p95/p99 ms', 'seen by customer (p50s)', 'DynamoDB calls/order (+polls)', 'webhook deliverer busy'],
        ...saga.throughput.map((l: any) => [
          String(l.customers),
          String(l.pollMs),
          `${l.completed}${l.failed ? ` (${l.failed} failed)` : ''}`,
          String(l.ordersPerSecond),
          `${l.toAwaitingMs.p50}/${l.toAwaitingMs.p95}/${l.toAwaitingMs.p99}`,
          `${l.toCompletedMs.p50}/${l.toCompletedMs.p95}/${l.toCompletedMs.p99}`,
          l.toAwaitingSeenMs ? `${l.toAwaitingSeenMs.p50}, ${l.toCompletedSeenMs.p50}` : '-',
          `${l.dynamoDbCallsPerOrder} (${l.dynamoDbCallsPerOrderWithPolls})`,
          String(l.webhookDelivererBusy),
        ]),
      ]),
    );
    const c = saga.dynamoDbLocalCeiling;
    lines.push(
      `   DynamoDB Local ceiling, same run: ${c.conditionalWritesPerSecond} conditional writes/s (${c.concurrency} callers, 1,000 items) / ${c.dynamoDbCallsPerOrder} DynamoDB calls per order = ${c.ceilingOrdersPerSecond} orders/s`,
      `   ratio: ${c.bestOrdersPerSecond} orders/s reached (N=${c.bestAtCustomers}) / ${c.ceilingOrdersPerSecond} = ${c.ratio} (goal >= 0.5: ${c.ratio >= 0.5 ? 'met' : 'NOT MET'})`,
      `   while measuring the ceiling: DynamoDB Local ${c.coresBusy.dynamodbLocal} cores busy (${c.dynamodbLocalCpuMsPerWrite} CPU ms per write), the SDK client ${c.coresBusy.client} cores`,
      '   where an order\'s CPU goes (CPU ms per completed order, per process; cores busy in brackets):',
      table([
        ['N', ...Object.keys(saga.throughput[0].cpu.msPerOrder), 'total', 'machine bound orders/s (without customers)'],
        ...saga.throughput.map((l: any) => [
          String(l.customers),
          ...Object.keys(l.cpu.msPerOrder).map((name) => `${l.cpu.msPerOrder[name]} (${l.cpu.coresBusy[name]})`),
          String(l.cpu.totalMsPerOrder),
          `${l.cpu.machineBoundOrdersPerSecond} (${l.cpu.machineBoundWithoutCustomersOrdersPerSecond})`,
        ]),
      ]),
      `   machine bound: ${c.machineBoundRatio} of the ceiling with ${saga.throughput[0].cpu.cores} cores all busy at the best load's CPU per order (${c.machineBoundWithoutCustomersRatio} if the customers ran elsewhere)`,
    );
    lines.push(
      '   latencies: from the request sent to the status time in the order\'s history (written on this machine\'s clock); "seen by customer" adds the poll interval;',
      '   main: the process that runs handlers, engine, HTTP API and Stripe emulator; the customers run in their own process;',
      '   webhook deliverer busy: sum of acknowledgement times over wall time (the emulator sends up to 8 at once: 8.0 = saturated).',
    );
    for (const l of saga.throughput) if (l.errors?.length) lines.push(`   N=${l.customers} errors: ${l.errors.join(' | ')}`);
    const iamPaths = Object.entries<any>(saga.costPerOrder ?? {}).filter(([, p]) => p.iam);
    if (iamPaths.length) {
      const mode = iamPaths[0][1].iam.mode;
      lines.push(
        `   IAM enforcement (LOCAL_IAM=${mode}), its cost per order: checks of SDK calls and state-machine invokes, decisions evaluated (not cached), microseconds spent checking:`,
        `     by path: ${iamPaths.map(([name, p]) => `${name} ${p.iam.checksPerOrder} checks, ${p.iam.evaluationsPerOrder} evaluated, ${p.iam.microsecondsPerOrder} us`).join('; ')}`,
        `     under load: ${saga.throughput.map((l: any) => `N=${l.customers} ${l.iam.microsecondsPerOrder} us (${l.iam.checksPerOrder} checks) = ${((100 * l.iam.microsecondsPerOrder) / 1000 / l.cpu.msPerOrder.main).toFixed(2)}% of the main process's CPU per order`).join('; ')}`,
      );
    }

    section('3. The hot SKU (every customer buys the same SKU)', saga.command);
    const h = saga.hotSku;
    lines.push(
      `   ${h.customers} customers, ${h.completed}/${h.orders} orders completed, ${h.ordersPerSecond} orders/s`,
      `   writes to the SKU's item per order: ${h.writesToSkuItemPerOrder} (synchronous ${h.synchronousWritesPerOrder}, combined commits by the worker ${h.workerWritesPerOrder}; by function ${JSON.stringify(h.writesByFunction)}) (goal <= 1 synchronous: ${h.synchronousWritesPerOrder <= 1 ? 'met' : 'NOT MET'})`,
      `   reservations/s: ${h.reservationsPerSecond} against a single-item ceiling of ${h.singleItemCeilingWritesPerSecond} conditional writes/s measured in the same run (${h.reservationsOverCeiling} of it)`,
      `   POST->AWAITING p50/p99 ${h.toAwaitingMs.p50}/${h.toAwaitingMs.p99} ms, confirm->COMPLETED p50/p99 ${h.toCompletedMs.p50}/${h.toCompletedMs.p99} ms`,
    );

    section('4. Webhook acknowledgement (POST /webhooks/stripe, as timed by the Stripe emulator)', saga.command);
    const a = saga.webhookAck;
    const phase = (label: string, all: any, succeeded: any) =>
      `   ${label.padEnd(34)} all types p50 ${all.p50} / p99 ${all.p99} ms (n=${all.n}); payment_intent.succeeded p50 ${succeeded?.p50} / p99 ${succeeded?.p99} ms`;
    lines.push(phase('cost paths, one order at a time:', a.unloadedMs, a.unloadedBySucceededMs));
    for (const l of saga.throughput) lines.push(phase(`N=${l.customers} customers:`, l.webhookAckMs, l.webhookSucceededAckMs));
    lines.push(phase('hot SKU, 50 customers:', saga.hotSku.webhookAckMs ?? {}, saga.hotSku.webhookSucceededAckMs));
    const n1 = saga.throughput.find((l: any) => l.customers === 1);
    lines.push(
      `   inside the handler (cost paths): invocation p50 ${a.handlerDurationMs?.p50} ms p99 ${a.handlerDurationMs?.p99} ms; its AWS calls (count, mean ms): ${Object.entries<any>(a.awsCallsOfTheHandler ?? {}).map(([k, v]) => `${k} ${v.calls}x ${v.meanMs}`).join(', ')}`,
      `   goal p99 < 50 ms with one customer (N=1): ${n1 ? `${n1.webhookAckMs.p99} ms -> ${n1.webhookAckMs.p99 < 50 ? 'met' : 'NOT MET'}` : '-'}; deliveries by type ${JSON.stringify(a.deliveriesByType)}; non-2xx ${a.non2xx}`,
    );
  }

  const bundles = parts.bundles;
  if (bundles) {
    section('5. Cold-start proxies per function', bundles.command);
    lines.push(
      table([
        ['function', 'zip KB', 'files', `require ms, best of ${bundles.runs}`, 'median', 'whole process ms (best)'],
        ...Object.entries<any>(bundles.functions).map(([fn, b]) => [
          fn,
          (b.zipBytes / 1024).toFixed(1),
          b.files.map((f: any) => `${path.basename(f.name)} ${(f.bytes / 1024).toFixed(0)}K`).join(', '),
          String(b.requireMs),
          String(b.requireMedianMs ?? '-'),
          String(b.processMs),
        ]),
      ]),
    );
    const fns = Object.values<any>(bundles.functions);
    const over = Object.entries<any>(bundles.functions).filter(([, b]) => b.zipBytes > 100 * 1024).map(([fn]) => fn);
    const slow = Object.entries<any>(bundles.functions).filter(([, b]) => b.requireMs >= 100).map(([fn]) => fn);
    lines.push(
      `   goal zip < 100 KB each: ${over.length ? `NOT MET (${over.join(', ')})` : 'met'}; largest ${(Math.max(...fns.map((b) => b.zipBytes)) / 1024).toFixed(1)} KB`,
      `   goal require < 100 ms (best of ${bundles.runs}: a sandbox has its CPU to itself, this machine is shared): ${slow.length ? `NOT MET (${slow.join(', ')})` : 'met'}; NODE_OPTIONS "${bundles.nodeOptions}", AWS SDK from node_modules (NODE_PATH)`,
    );
  }

  const engine = parts.engine;
  if (engine) {
    section('6. Local engine overhead (checkout machine, trivial tasks, same process)', engine.command);
    lines.push(
      `   local Step Functions service: ${engine.localService.perSecond} executions/s (${engine.localService.executions} in ${engine.durationMs / 1000} s, ${engine.concurrency} in flight, ${engine.statesPerExecution} states each)`,
      `   aws-local-stepfunctions alone: ${engine.libraryAlone.perSecond} executions/s (${engine.libraryAlone.executions})`,
      `   overhead: the library alone is ${engine.overheadFactor}x faster`,
    );
  }
  return lines.join('\n');
}

function deltas(previous: Record<string, number | undefined>, current: Record<string, number | undefined>): string[] {
  const lines: string[] = [];
  for (const [key, now] of Object.entries(current)) {
    const before = previous[key];
    if (before === undefined || now === undefined || before === now) continue;
    const pct = before === 0 ? '' : ` (${now > before ? '+' : ''}${(((now - before) / before) * 100).toFixed(0)}%)`;
    lines.push(`   ${key}: ${before} -> ${now}${pct}`);
  }
  return lines;
}

async function main() {
  const started = Date.now();
  const info = machine();
  console.log(`checkout-saga benchmarks${QUICK ? ' (--quick)' : ''}: ${info.nproc} CPUs (${info.cpu}), ${info.memory}, Node ${info.node}, commit ${info.commit}${info.productCodeChangedSinceCommit ? ' + uncommitted changes' : ''}`);
  const parts: Record<string, any> = {};
  const failures: string[] = [];
  for (const part of PARTS) {
    if (ONLY && !ONLY.includes(part.name)) continue;
    const partStarted = Date.now();
    try {
      parts[part.name] = await runPart(part);
      parts[part.name].seconds = Math.round((Date.now() - partStarted) / 100) / 10;
    } catch (error) {
      failures.push(`${part.name}: ${(error as Error).message}`);
    }
  }
  const runtimeSeconds = Math.round((Date.now() - started) / 1000);
  console.log(report(parts));

  const current = headline(parts);
  const previousFile = existsSync(LATEST) ? JSON.parse(readFileSync(LATEST, 'utf8')) : undefined;
  console.log(`\n## Compared with ${previousFile ? `bench/results/latest.json (${previousFile.generatedAt}, commit ${previousFile.machine?.commit})` : 'nothing (no bench/results/latest.json yet)'}`);
  if (previousFile) {
    const changed = deltas(previousFile.headline ?? {}, current);
    console.log(changed.length ? changed.join('\n') : '   no headline figure changed');
  }
  const result = { generatedAt: new Date().toISOString(), quick: QUICK, runtimeSeconds, machine: info, headline: current, parts, failures };
  const target = ONLY ? undefined : QUICK ? path.join(RESULTS, 'quick.tmp.json') : LATEST;
  if (target && failures.length === 0) writeFileSync(target, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nruntime ${runtimeSeconds} s; ${target && failures.length === 0 ? `figures written to ${path.relative(ROOT, target)}` : 'no file written'}`);
  if (failures.length) {
    console.error(`failed parts: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

void main();
