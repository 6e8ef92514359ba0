/**
 * IAM enforced for the functions' roles and their event sources, over the real local cloud: a
 * permission taken out of the packaged role (the test-only `iam.revocations` hook) fails as it
 * would on the first deployed order.
 */
import { startLocalCloud } from '../../local/cloud';
import { pollUntil } from '../support/poll';
import { startE2e, type E2e } from './support/harness';

let e2e: E2e | undefined;
afterAll(async () => {
  await e2e?.close();
});

// First in the file: the cloud is refused before any handler module is loaded (one cloud per process).
test("an SQS event source whose function's role lacks sqs:ReceiveMessage is refused at start, as AWS refuses to create the mapping", async () => {
  await expect(
    startLocalCloud({ port: 0, stripeEmulatorPort: 0, iam: { mode: 'enforce', revocations: [{ caller: 'inventoryWorker', action: 'sqs:ReceiveMessage' }] } }),
  ).rejects.toThrow(/the execution role of inventoryWorker \(\S+\) does not allow sqs:ReceiveMessage on arn:aws:sqs:\S+:checkout-saga-local-inventory-updates;/);
}, 120_000);

test('without states:SendTaskSuccess the webhook cannot resume the saga: a paid order never completes; one log line names function, action and resource', async () => {
  e2e = await startE2e({ iam: { mode: 'enforce', revocations: [{ caller: 'stripeWebhook', action: 'states:SendTaskSuccess' }] } });
  const { accepted, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);

  const { intent } = await e2e.pay(paymentIntentId, 'pm_card_visa');
  expect(intent?.status).toBe('succeeded');

  const denialLine = await pollUntil('the denial of the webhook callback in the log', () => e2e!.logsMatching(/^\[iam\] DENIED stripeWebhook states:SendTaskSuccess on \* /)[0], { timeoutMs: 20_000 });
  expect(denialLine).toContain('role checkout-saga-local-stripeWebhook-us-east-1-lambdaRole');

  // The saga is still waiting for the payment; the order never leaves AWAITING_PAYMENT.
  expect(e2e.cloud.stepFunctions.describeExecution(e2e.executionArn(accepted.orderId)).status).toBe('RUNNING');
  expect(e2e.statesEntered(accepted.orderId)).not.toContain('MarkPaid');
  expect((await e2e.order(accepted.orderId)).status).toBe('AWAITING_PAYMENT');

  const reply = await e2e.request('GET', '/_local/iam');
  expect(reply.status).toBe(200);
  expect(reply.body.mode).toBe('enforce');
  expect(reply.body.denials).toContainEqual(
    expect.objectContaining({
      caller: 'stripeWebhook',
      action: 'states:SendTaskSuccess',
      resource: '*',
      enforced: true,
      message: expect.stringMatching(
        /^User: arn:aws:sts::000000000000:assumed-role\/checkout-saga-local-stripeWebhook-us-east-1-lambdaRole\/checkout-saga-local-stripeWebhook is not authorized to perform: states:SendTaskSuccess on resource: \* because no identity-based policy allows the states:SendTaskSuccess action$/,
      ),
    }),
  );
  // Every denial of the run is this one: the rest of the webhook's role still allows what it does.
  expect(new Set(e2e.cloud.iam.denials().map((d) => `${d.caller} ${d.action}`))).toEqual(new Set(['stripeWebhook states:SendTaskSuccess']));
});
