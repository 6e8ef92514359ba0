/**
 * LOCAL_IAM=warn: what enforce would deny is logged and recorded, then allowed, so a developer can
 * see every missing permission of a flow in one run instead of one failure at a time.
 */
import { pollUntil } from '../support/poll';
import { startE2e, type E2e } from './support/harness';

let e2e: E2e | undefined;
afterAll(async () => {
  await e2e?.close();
});

test('in warn mode a call the role does not allow is logged as WOULD DENY and goes through: the paid order completes', async () => {
  e2e = await startE2e({ iam: { mode: 'warn', revocations: [{ caller: 'stripeWebhook', action: 'states:SendTaskSuccess' }] } });
  expect(e2e.logsMatching(/^\[iam\] LOCAL_IAM=warn: denials are logged, not enforced/)).toHaveLength(1);

  const { accepted, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
  await e2e.pay(paymentIntentId, 'pm_card_visa');
  await e2e.waitForStatus(accepted.orderId, 'COMPLETED');

  const lines = e2e.logsMatching(/^\[iam\] /).filter((line) => !line.startsWith('[iam] LOCAL_IAM=warn'));
  expect(lines.length).toBeGreaterThanOrEqual(1);
  for (const line of lines) expect(line).toMatch(/^\[iam\] WOULD DENY \(LOCAL_IAM=warn, allowed\) stripeWebhook states:SendTaskSuccess on \* \(no statement allows it; role checkout-saga-local-stripeWebhook-us-east-1-lambdaRole; /);
  expect(e2e.logsMatching(/^\[iam\] DENIED/)).toEqual([]);

  const reply = await pollUntil('the IAM report', async () => {
    const r = await e2e!.request('GET', '/_local/iam');
    return r.status === 200 ? r : undefined;
  });
  expect(reply.body.mode).toBe('warn');
  expect(reply.body.denials.length).toBeGreaterThanOrEqual(1);
  for (const denial of reply.body.denials) {
    expect(denial).toEqual(expect.objectContaining({ caller: 'stripeWebhook', action: 'states:SendTaskSuccess', resource: '*', enforced: false }));
  }
  // The checks still ran for every other call of the flow (the warn mode checks everything).
  expect(reply.body.stats.checks).toBeGreaterThan(5);
});
