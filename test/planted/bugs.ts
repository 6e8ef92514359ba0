/**
 * Bugs planted one at a time in the mechanisms the README's guarantees rest on (the test audit of
 * 2026-12-06, M1-M10b). Each names the promise it breaks, the exact change, the test files that must
 * catch it, and a pattern the name of at least one failing test must match: a planted bug caught
 * only by a timeout somewhere else does not count as caught by its promise.
 * Run them with `npm run test:planted` (test/planted/run.ts); keep the list when these mechanisms change.
 */
export interface PlantedBug {
  id: string;
  promise: string;
  file: string;
  /** Exact text that must occur once in `file`... */
  find: string;
  /** ...and what it becomes. */
  replace: string;
  /** Test files (repository paths) that must fail; `reliability` ones run with the reliability config. */
  caughtBy: { npmTest?: string[]; reliability?: string[] };
  /** At least one failing test's full name must match this. */
  failingTestNamed: RegExp;
}

export const PLANTED_BUGS: PlantedBug[] = [
  {
    id: 'M1',
    promise: 'no overselling: a reservation needs available >= quantity',
    file: 'src/adapters/inventory-repository.ts',
    find: "      ConditionExpression: 'available >= :q',\n",
    replace: '',
    caughtBy: { npmTest: ['test/unit/adapters/inventory-repository.test.ts', 'test/adapters/dynamodb-conditions.test.ts'] },
    failingTestNamed: /no overselling/,
  },
  {
    id: 'M2',
    promise: 'only a valid v1 signature is accepted (a v0=-only header is refused)',
    file: 'src/adapters/payments.ts',
    find: '  return Stripe.webhooks.constructEvent(rawBody, signature, secret);',
    replace: "  if (!signature.includes('v1=')) return JSON.parse(rawBody) as Stripe.Event;\n  return Stripe.webhooks.constructEvent(rawBody, signature, secret);",
    caughtBy: { npmTest: ['test/unit/handlers/stripe-webhook.test.ts'] },
    failingTestNamed: /v0=/,
  },
  {
    id: 'M3',
    promise: 'compensation cancels the PaymentIntent first',
    file: 'src/use-cases/saga/compensate-order.ts',
    find: '    const cancellation = await payments.cancelPaymentIntent(order.payment.paymentIntentId);',
    replace: "    const cancellation = { result: 'CANCELED' } as Awaited<ReturnType<typeof payments.cancelPaymentIntent>>;",
    caughtBy: { npmTest: ['test/unit/use-cases/saga/compensate-order.test.ts', 'test/statemachine/checkout-saga.test.ts', 'test/statemachine/payment-window.test.ts'] },
    failingTestNamed: /PaymentIntent (is )?cancel/i,
  },
  {
    id: 'M4',
    promise: "the inventory worker's ledger applies each update once",
    file: 'src/adapters/inventory-repository.ts',
    find: "      ConditionExpression: 'attribute_not_exists(id)',\n",
    replace: '',
    caughtBy: {
      npmTest: ['test/unit/adapters/inventory-repository.test.ts', 'test/adapters/dynamodb-conditions.test.ts', 'test/e2e/once-only.test.ts'],
    },
    failingTestNamed: /applied once|applies once|ledger/,
  },
  {
    id: 'M5',
    promise: 'the client secret is shown only while the order awaits payment',
    file: 'src/domain/order.ts',
    find: "clientSecret: order.status === 'AWAITING_PAYMENT' ? (order.payment.clientSecret ?? null) : null,",
    replace: "clientSecret: ['AWAITING_PAYMENT', 'PAID', 'COMPLETED'].includes(order.status) ? (order.payment.clientSecret ?? null) : null,",
    caughtBy: { npmTest: ['test/unit/handlers/get-order.test.ts'] },
    failingTestNamed: /client secret/i,
  },
  {
    id: 'M6',
    promise: 'exactly one ops alert per flag (a retried flag does not alert again)',
    file: 'src/use-cases/saga/flag-needs-attention.ts',
    find: "      else if (order.attention && 'alertedAt' in order.attention) {",
    replace: '      else if (false) {',
    caughtBy: { npmTest: ['test/unit/use-cases/saga/flag-needs-attention.test.ts'] },
    failingTestNamed: /no second alert/,
  },
  {
    id: 'M7',
    promise: "a payment that beats the window's close wins (race rule)",
    file: 'src/domain/compensation.ts',
    find: "    if (matches && cause !== 'PAYMENT_AMOUNT_MISMATCH') return { outcome: 'PAYMENT_SUCCEEDED' };",
    replace: "    if (matches && cause !== 'PAYMENT_AMOUNT_MISMATCH' && cause !== 'EXPIRED') return { outcome: 'PAYMENT_SUCCEEDED' };",
    caughtBy: { npmTest: ['test/unit/domain/compensation.test.ts', 'test/statemachine/payment-window.test.ts'] },
    failingTestNamed: /race/i,
  },
  {
    id: 'M8',
    promise: "a customer's cancel before payment wakes the payment wait and compensates",
    file: 'src/use-cases/api/cancel-order.ts',
    find: '    if (updated.taskToken) {',
    replace: '    if (updated.taskToken && false) {',
    caughtBy: { npmTest: ['test/unit/handlers/cancel-order.test.ts', 'test/statemachine/checkout-saga.test.ts'] },
    failingTestNamed: /cancel/i,
  },
  {
    id: 'M9',
    promise: 'secrets (task tokens) never appear in logs, even at DEBUG',
    file: 'src/use-cases/saga/request-payment.ts',
    find: '    const intent = await payments.createPaymentIntent(order);',
    replace: "    logger.debug('Storing the task token', { taskToken });\n    const intent = await payments.createPaymentIntent(order);",
    caughtBy: { reliability: ['test/reliability/secrets-and-access.test.ts'] },
    failingTestNamed: /secret/i,
  },
  {
    id: 'M10',
    promise: 'release is once-only (only an order holding RESERVED stock releases it)',
    file: 'src/adapters/inventory-repository.ts',
    find: "      ConditionExpression: 'stock = :reserved',\n",
    replace: '',
    caughtBy: { npmTest: ['test/unit/adapters/inventory-repository.test.ts', 'test/adapters/dynamodb-conditions.test.ts'] },
    failingTestNamed: /release is once-only/,
  },
  {
    id: 'M10b',
    promise: 'release is once-only (a retried compensation releases nothing twice)',
    file: 'src/adapters/inventory-repository.ts',
    find: "      ConditionExpression: 'stock = :reserved',",
    replace: "      ConditionExpression: 'attribute_exists(stock)',",
    caughtBy: {
      npmTest: ['test/unit/adapters/inventory-repository.test.ts', 'test/adapters/dynamodb-conditions.test.ts', 'test/e2e/once-only.test.ts'],
    },
    failingTestNamed: /release is once-only/,
  },
];
