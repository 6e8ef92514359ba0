/**
 * Scenario 8, secrets and access. A full run at DEBUG log level (happy path, decline, 3-D Secure,
 * cancel, expiry, out of stock, a post-payment failure with its Slack alert and the operator's
 * resume, forged webhooks, bad input, wrong admin keys), with everything written to stdout/stderr,
 * the console and the local cloud's own log captured: none of it may contain the Stripe secret key,
 * the webhook secret, the admin key, the Slack webhook URL, a client secret or a task token.
 * Admin routes refuse a missing or wrong key (and change nothing); the webhook route takes only POST.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Harness, showStock } from './support/harness';
import { mapLimit, pollUntil, showTally, tally } from '../support/poll';
import { HELD, recordResult } from './support/results';

const SKU = 'REL-SECRETS';

/** Captures every byte written to stdout/stderr and every console call until `stop()`. */
function captureOutput() {
  const chunks: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const grab = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = ((chunk: unknown) => grab(chunk)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => grab(chunk)) as typeof process.stderr.write;
  const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      chunks.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    }),
  );
  return {
    text: () => chunks.join('\n'),
    stop() {
      process.stdout.write = stdoutWrite;
      process.stderr.write = stderrWrite;
      spies.forEach((spy) => spy.mockRestore());
    },
  };
}

describe('scenario 8: secrets and access', () => {
  let h: Harness;
  let slack: Server;
  const slackPosts: string[] = [];
  const adminKey = randomBytes(24).toString('hex');
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  let slackUrl: string;
  let capture: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    // A stand-in for Slack's incoming webhook; its URL (with its token) is a secret too.
    slack = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        slackPosts.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
    slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/services/T0RELIAB/B0RELIAB/${randomBytes(12).toString('hex')}`;
    capture = captureOutput();
    h = await Harness.start({
      // Long enough for every paying customer, short enough for the abandoned order to expire.
      paymentWindowSeconds: 10,
      logLevel: 'DEBUG',
      adminApiKey: adminKey,
      stripeWebhookSecret: webhookSecret,
      slackWebhookUrl: slackUrl,
    });
    await h.createSku(SKU, 40);
  }, 60_000);
  afterAll(async () => {
    capture?.stop();
    await h?.close();
    await new Promise<void>((resolve) => slack?.close(() => resolve()));
  });

  test('admin routes refuse a missing or wrong key and change nothing; the webhook route takes only POST', async () => {
    const before = await h.product(SKU);
    const wrongKeys: Array<[string, Record<string, string>]> = [
      ['no key', {}],
      ['empty key', { 'x-api-key': '' }],
      ['wrong key', { 'x-api-key': randomBytes(24).toString('hex') }],
      ['key upper-cased', { 'x-api-key': adminKey.toUpperCase() }],
      ['key prefix', { 'x-api-key': adminKey.slice(0, -1) }],
      ['key + suffix', { 'x-api-key': `${adminKey}0` }],
      ['key padded', { 'x-api-key': ` ${adminKey}x` }],
      ['key as bearer token', { authorization: `Bearer ${adminKey}` }],
      ['key in another header', { 'x-admin-key': adminKey }],
      ['Stripe secret as key', { 'x-api-key': h.cloud.stripe.secretKey }],
    ];
    const answers: string[] = [];
    for (const [what, headers] of wrongKeys) {
      const adjust = await h.http('/inventory/adjustments', { json: { sku: SKU, delta: 1000, reason: 'attack' }, headers });
      const adjustByQuery = await h.http(`/inventory/adjustments?x-api-key=${adminKey}`, { json: { sku: SKU, delta: 1000, reason: 'attack' }, headers });
      const resume = await h.http('/admin/orders/ord_AAAAAAAAAAAAAAAAAAAAAA/resume', { method: 'POST', headers });
      answers.push(`${what}: ${adjust.status}/${adjustByQuery.status}/${resume.status}`);
    }
    // The right key works (so the refusals above are about the key).
    const allowed = await h.http('/inventory/adjustments', { json: { sku: SKU, delta: 1, reason: 'control' }, headers: { 'x-api-key': adminKey } });
    await pollUntil('control adjustment applied', async () => (await h.product(SKU)).available === before.available + 1);
    await h.inventoryQueueDrained();
    const after = await h.product(SKU);

    const webhookMethods = ['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
    const invocationsBefore = h.cloudLog.filter((line) => line.startsWith('[lambda] stripeWebhook ')).length;
    const methodAnswers = await Promise.all(webhookMethods.map(async (method) => (await h.http('/webhooks/stripe', { method, body: method === 'GET' || method === 'HEAD' ? undefined : '{}' })).status));
    const invocationsAfter = h.cloudLog.filter((line) => line.startsWith('[lambda] stripeWebhook ')).length;

    const refused = answers.every((a) => /: 401\/401\/401$/.test(a));
    const ok =
      refused && allowed.status === 202 && after.available === before.available + 1 &&
      methodAnswers.every((s) => s === 404 || s === 405) && invocationsAfter === invocationsBefore;
    const verdict = recordResult({
      scenario: '8 admin routes and webhook methods',
      attempts: `${wrongKeys.length} missing/wrong keys x 3 admin calls; ${webhookMethods.length} other methods on /webhooks/stripe`,
      expected: 'all 401 and stock unchanged (the right key: 202, applied once); other methods 404/405, stripeWebhook never invoked',
      observed:
        `admin answers ${showTally(tally(answers.map((a) => a.split(': ')[1])))}; right key ${allowed.status}; stock ${showStock(before)} -> ${showStock(after)}; ` +
        `webhook ${webhookMethods.map((m, i) => `${m} ${methodAnswers[i]}`).join(', ')}; ${invocationsAfter - invocationsBefore} invocations`,
      ok,
    });
    expect(answers.filter((a) => !/: 401\/401\/401$/.test(a))).toEqual([]);
    expect(allowed.status).toBe(202);
    expect(after.available).toBe(before.available + 1);
    expect(methodAnswers.every((s) => s === 404 || s === 405)).toBe(true);
    expect(invocationsAfter).toBe(invocationsBefore);
    expect(verdict).toBe(HELD);
  }, 60_000);

  test('a full run at DEBUG logs no secret', async () => {
    const taskTokens = new Set<string>();
    const remember = async (orderId: string) => {
      const stored = await h.storedOrder(orderId);
      if (stored?.taskToken) taskTokens.add(stored.taskToken);
    };
    const waitPayable = async (orderId: string) => {
      const order = await h.waitForStatus(orderId, ['AWAITING_PAYMENT']);
      await remember(orderId);
      return order;
    };

    // Customers: happy, declined then paid, 3-D Secure, cancelled, abandoned (expires), out of stock.
    const happy = await h.checkout([{ sku: SKU, quantity: 1 }]);
    const declined = await h.checkout([{ sku: SKU, quantity: 1 }]);
    const threeDs = await h.checkout([{ sku: SKU, quantity: 1 }]);
    const cancelled = await h.checkout([{ sku: SKU, quantity: 1 }]);
    const abandoned = await h.checkout([{ sku: SKU, quantity: 1 }]);
    const tooMany = await h.checkout([{ sku: SKU, quantity: 100 }]);
    const [pHappy, pDeclined, pThreeDs] = await Promise.all([happy, declined, threeDs].map(waitPayable));
    await Promise.all([cancelled, abandoned].map(waitPayable));
    await h.pay(pHappy.payment.paymentIntentId);
    await h.pay(pDeclined.payment.paymentIntentId, 'pm_card_chargeDeclined');
    await h.pay(pDeclined.payment.paymentIntentId);
    await h.pay(pThreeDs.payment.paymentIntentId, 'pm_card_threeDSecure2Required');
    await fetch(`${h.cloud.stripe.apiBase}/_emulator/payment_intents/${pThreeDs.payment.paymentIntentId}/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'succeed' }),
    });
    await h.http(`/orders/${cancelled}/cancel`, { method: 'POST' });
    // Paid orders finish before the fault below is set (it breaks every fulfilment while set).
    await mapLimit([happy, declined, threeDs], 3, (id) => h.waitForStatus(id, ['COMPLETED'], 30_000));

    // A post-payment failure: alert to "Slack", then the operator resumes.
    await h.http('/_local/faults/fulfillOrder', { method: 'PUT', json: { mode: 'always' } });
    const broken = await h.checkout([{ sku: SKU, quantity: 2 }]);
    const pBroken = await waitPayable(broken);
    await h.pay(pBroken.payment.paymentIntentId);
    await h.waitForStatus(broken, ['NEEDS_ATTENTION'], 60_000);
    await h.http('/_local/faults/fulfillOrder', { method: 'DELETE' });
    await pollUntil('alert posted to Slack', () => slackPosts.some((post) => post.includes(broken)), { timeoutMs: 15_000 });
    const resume = await h.admin(`/admin/orders/${broken}/resume`);

    // Attackers and clumsy clients.
    const forged = JSON.stringify({ id: 'evt_forged', type: 'payment_intent.succeeded', data: { object: { id: pHappy.payment.paymentIntentId, metadata: { orderId: happy } } } });
    await h.postWebhook(forged, h.sign(forged, { secret: 'whsec_wrong' }));
    await h.postWebhook(forged, h.sign(forged, { timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    await h.postWebhook(forged);
    await h.http('/checkout', { body: '{"items": [', headers: { 'content-type': 'application/json' } });
    await h.http('/checkout', { json: { items: [{ sku: 'NOPE', quantity: 1 }], customer: { email: 'x@example.com' }, shippingAddress: {} } });
    await h.http('/inventory/adjustments', { json: { sku: SKU, delta: 5, reason: 'x' }, headers: { 'x-api-key': 'guess' } });
    // The customer's client reads its order (with the client secret) and the PaymentIntent with it.
    await h.stripe.paymentIntents.retrieve(pHappy.payment.paymentIntentId, { client_secret: pHappy.payment.clientSecret } as any).catch(() => undefined);

    const all = [happy, declined, threeDs, cancelled, abandoned, tooMany, broken];
    await h.waitForStatus(broken, ['COMPLETED'], 60_000);
    await mapLimit(all, 7, (id) => h.waitForStatus(id, ['COMPLETED', 'CANCELED', 'EXPIRED', 'REJECTED', 'NEEDS_ATTENTION'], 60_000));
    await h.noExecutionRunning();
    await h.webhooksDelivered();
    await h.inventoryQueueDrained();
    const orders = await h.ordersById(all);

    // Everything that was logged, by anyone, so far.
    const logged = `${capture.text()}\n${h.cloudLog.join('\n')}`;
    const clientSecrets = [...(await h.paymentIntentsByOrder()).values()].flat().map((pi) => pi.client_secret!).filter(Boolean);
    const secrets: Array<[string, string]> = [
      ['Stripe secret key', h.cloud.stripe.secretKey],
      ['webhook secret', webhookSecret],
      ['admin key', adminKey],
      ['Slack webhook URL', slackUrl],
      ['Slack webhook token', slackUrl.split('/').pop()!],
      ...clientSecrets.map((secret): [string, string] => ['client secret', secret]),
      ...[...taskTokens].map((token): [string, string] => ['task token', token]),
    ];
    const lines = logged.split('\n');
    const leaks = secrets
      .map(([what, value]) => ({ what, line: lines.find((line) => line.includes(value))?.split(value).join(`<${what}>`) }))
      .filter((leak) => leak.line !== undefined);
    const leaked = leaks.map((leak) => leak.what);
    const handlerLines = logged.split('\n').filter((line) => line.includes('"service":"checkout-saga"')).length;
    const debugLines = logged.split('\n').filter((line) => line.includes('"level":"DEBUG"')).length;

    // The capture is not blind: what may be logged (ids) was.
    const seesIds = logged.includes(happy) && logged.includes(pHappy.payment.paymentIntentId);
    const statuses = tally(all.map((id) => orders.get(id).status));
    const roles = ['happy', 'declined then paid', '3DS', 'cancelled', 'abandoned', 'out of stock', 'broken then resumed'];
    const byRole = all.map((id, i) => `${roles[i]} ${orders.get(id).status}`).join(', ');
    // The product logs nothing at DEBUG, so no line shows the level: it is read from what the
    // functions were given and from the logger they share (loaded by the first handler: importing
    // it at the top of this file would have created it before the local cloud set the level).
    const functionsLogLevel = h.env.POWERTOOLS_LOG_LEVEL;
    const handlersLogLevel = (await import('../../src/commons/logger')).logger.getLevelName();
    const atDebug = functionsLogLevel === 'DEBUG' && handlersLogLevel === 'DEBUG';
    // One PaymentIntent (and client secret) per order that reached payment: all but the out-of-stock
    // one; one task token per payment wait: the same 6 orders.
    const payable = all.length - 1;
    const ok =
      leaked.length === 0 && seesIds && handlerLines > 20 && h.cloudLog.length > 100 && resume.status === 202 &&
      clientSecrets.length === payable && taskTokens.size === payable && atDebug &&
      JSON.stringify(statuses) === JSON.stringify({ CANCELED: 1, COMPLETED: 4, EXPIRED: 1, REJECTED: 1 });
    const verdict = recordResult({
      scenario: '8 secrets in logs',
      attempts:
        `a full run at ${handlersLogLevel} (POWERTOOLS_LOG_LEVEL ${functionsLogLevel}; ${all.length} orders: ${byRole}; forged webhooks, bad input, wrong keys, an alert to Slack and a resume); ` +
        `${logged.length} characters of logs (${handlerLines} handler lines, ${debugLines} DEBUG, ${h.cloudLog.length} local cloud lines)`,
      expected: `handlers at DEBUG; ${payable} client secrets and ${payable} task tokens collected; no Stripe secret key, webhook secret, admin key, Slack URL, client secret or task token in any log`,
      observed:
        `${secrets.length} secret values checked (${clientSecrets.length} client secrets, ${taskTokens.size} task tokens): ` +
        (leaks.length ? `LEAKED ${showTally(tally(leaked))}, e.g. in "${leaks[0].line!.slice(0, 160)}"` : 'none found'),
      ok,
    });
    expect(leaks).toEqual([]);
    // Each class of secret was really looked for (a collection that found nothing would pass above).
    expect(clientSecrets.length).toBe(payable);
    expect(taskTokens.size).toBe(payable);
    // The run was at DEBUG: what a handler would log at DEBUG was not filtered out before the check.
    expect(functionsLogLevel).toBe('DEBUG');
    expect(handlersLogLevel).toBe('DEBUG');
    expect(handlerLines).toBeGreaterThan(20); // the capture did capture the handlers' logs
    expect(h.cloudLog.length).toBeGreaterThan(100); // and the local cloud's
    expect(seesIds).toBe(true);
    expect(resume.status).toBe(202);
    expect(statuses).toEqual({ CANCELED: 1, COMPLETED: 4, EXPIRED: 1, REJECTED: 1 });
    expect(verdict).toBe(HELD);
  }, 120_000);
});
