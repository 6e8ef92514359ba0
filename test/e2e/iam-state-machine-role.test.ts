/**
 * IAM enforced for the state machine's role on its direct integrations: without
 * dynamodb:UpdateItem, MarkPaid fails with the error Step Functions reports for a denied optimized
 * DynamoDB call (DynamoDB.AmazonDynamoDBException, Error Code AccessDeniedException in the Cause:
 * the Java SDK it uses models no AccessDeniedException for DynamoDB), and the saga flags the order.
 */
import { startE2e, type E2e } from './support/harness';

let e2e: E2e;
beforeAll(async () => {
  e2e = await startE2e({ iam: { mode: 'enforce', revocations: [{ caller: 'states:checkout', action: 'dynamodb:UpdateItem' }] } });
});
afterAll(async () => {
  await e2e?.close();
});

test('without dynamodb:UpdateItem on its role, MarkPaid fails with DynamoDB.AmazonDynamoDBException (AccessDeniedException) and the paid order needs attention', async () => {
  const { accepted, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
  await e2e.pay(paymentIntentId, 'pm_card_visa');

  // MarkPaid's retries (1+2+4+8 s) then FlagNeedsAttention.
  await e2e.waitForStatus(accepted.orderId, 'NEEDS_ATTENTION', { timeoutMs: 60_000 });

  const failures = e2e
    .history(accepted.orderId)
    .filter((event) => event.type === 'TaskFailed')
    .map((event) => event.taskFailedEventDetails);
  expect(failures.length).toBeGreaterThan(1); // retried: a denial is not mistaken for success
  for (const failure of failures) {
    expect(failure.error).toBe('DynamoDB.AmazonDynamoDBException');
    expect(failure.cause).toMatch(
      /^User: arn:aws:sts::000000000000:assumed-role\/\S+\/states-session is not authorized to perform: dynamodb:UpdateItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/checkout-saga-local-orders because no identity-based policy allows the dynamodb:UpdateItem action \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: AccessDeniedException; /,
    );
  }
  expect(e2e.statesEntered(accepted.orderId)).toEqual(expect.arrayContaining(['MarkPaid', 'FlagNeedsAttention']));
  expect(e2e.statesEntered(accepted.orderId)).not.toContain('FulfillOrder');
  expect(e2e.logsMatching(/^\[iam\] DENIED states:checkout dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:000000000000:table\/checkout-saga-local-orders /).length).toBeGreaterThan(0);
  // The functions' own updates of the same table are their roles' business, and still allowed.
  expect(e2e.cloud.iam.denials().every((denial) => denial.caller === 'states:checkout')).toBe(true);
}, 90_000);
