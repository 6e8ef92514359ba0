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
    find: "      } else if (order.attention && 'alertedAt' in order.attention) {",
    replace: '      } else if (false) {',
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
  // The guarantees added on 2026-12-06 (issues 9-11), planted the same way.
  {
    id: 'N1',
    promise: 'a 5xx seen while polling fails the wait at once, never hidden as "not yet"',
    file: 'test/support/poll.ts',
    find: '      if (error instanceof UnexpectedAnswer) throw error;\n',
    replace: '',
    caughtBy: { npmTest: ['test/support/poll.test.ts'] },
    failingTestNamed: /UnexpectedAnswer fails the poll at once/,
  },
  {
    id: 'N2',
    promise: "a handler's AWS SDK error reaches the state machine under its own name, not Lambda.*",
    file: 'local/stepfunctions/integrations.ts',
    find: '    if (thrown instanceof LambdaServiceError) throw serviceTaskError(thrown, LAMBDA_NAMING);',
    replace: '    if ((thrown as { $metadata?: unknown })?.$metadata) throw serviceTaskError(thrown, LAMBDA_NAMING);',
    caughtBy: { npmTest: ['test/local/stepfunctions/engine.test.ts'] },
    failingTestNamed: /is the function's error, named/,
  },
  {
    id: 'N3',
    promise: 'domain errors reach HTTP by class: a rename cannot change an answer',
    file: 'src/commons/http.ts',
    find: '  return DOMAIN_ERRORS.find(([type]) => error instanceof type)?.[1];',
    replace: '  return DOMAIN_ERRORS.find(([type]) => type.name === error.name)?.[1];',
    caughtBy: { npmTest: ['test/unit/commons/http.test.ts'] },
    failingTestNamed: /follows the class, not the name|merely carries a mapped name/,
  },
  {
    id: 'N4',
    promise: 'a malformed Idempotency-Key is a 400, never silently replaced (a retried adjustment would apply twice)',
    file: 'src/commons/http.ts',
    find: "  if (!key.success) throw new HttpError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 printable characters');",
    replace: '  if (!key.success) return undefined;',
    caughtBy: { npmTest: ['test/unit/handlers/admin.test.ts', 'test/unit/handlers/create-checkout.test.ts'] },
    failingTestNamed: /INVALID_IDEMPOTENCY_KEY/,
  },
  {
    id: 'N5',
    promise: 'a compensation refused for an already paid order fails at once, not after 6 retries',
    file: 'stepfunctions/checkout.asl.yml',
    find: '      - ErrorEquals: [InvalidOrderState]\n        MaxAttempts: 0\n      - ErrorEquals: [States.ALL]\n        IntervalSeconds: 2\n        MaxAttempts: 6',
    replace: '      - ErrorEquals: [States.ALL]\n        IntervalSeconds: 2\n        MaxAttempts: 6',
    caughtBy: { npmTest: ['test/statemachine/paths/checkout-paths.test.ts'] },
    failingTestNamed: /InvalidOrderState \(the order is already paid\) is not retried/,
  },
  {
    id: 'N6',
    promise: 'an unknown compensation outcome fails the execution, never a silent success',
    file: 'stepfunctions/checkout.asl.yml',
    find: '    Default: UnknownCompensationOutcome',
    replace: '    Default: OrderClosed',
    caughtBy: { npmTest: ['test/statemachine/paths/checkout-paths.test.ts'] },
    failingTestNamed: /does not route fails the execution/,
  },
  {
    id: 'N7',
    promise: 'only resumeAfterPayment: true skips reservation and payment',
    file: 'stepfunctions/checkout.asl.yml',
    find: '          - Variable: $.resumeAfterPayment\n            BooleanEquals: true\n',
    replace: '',
    caughtBy: { npmTest: ['test/statemachine/paths/checkout-paths.test.ts'] },
    failingTestNamed: /present but not true does not skip/,
  },
  {
    id: 'N8',
    promise: 'IAM: an explicit Deny wins over any Allow',
    file: 'local/iam/policy-evaluation.ts',
    find: "    if (statement.effect === 'Deny') return { decision: 'explicitDeny', allowedBy: [], deniedBy: statement };",
    replace: "    if (statement.effect === 'Deny' && false) return { decision: 'explicitDeny', allowedBy: [], deniedBy: statement };",
    caughtBy: { npmTest: ['test/local/iam/policy-evaluation.test.ts'] },
    failingTestNamed: /explicit Deny wins/,
  },
  {
    id: 'N9',
    promise: "the handlers run on the Lambda runtime's Node major, or the local cloud says so loudly",
    file: 'local/lambda/node-runtime.ts',
    find: '  const matches = wanted !== undefined && wanted === localMajor;',
    replace: '  const matches = wanted !== undefined;',
    caughtBy: { npmTest: ['test/local/infra/node-runtime.test.ts'] },
    failingTestNamed: /loud mismatch/,
  },
  {
    id: 'F1',
    promise: 'a service fault strikes only the operations it names',
    file: 'local/faults/service-faults.ts',
    find: '      if (fault.operations && !fault.operations.includes(call.operation)) continue;\n',
    replace: '',
    caughtBy: { npmTest: ['test/local/faults/service-faults.test.ts'] },
    failingTestNamed: /operations/,
  },
  {
    id: 'F2',
    promise: 'a payment made while the payment wait was retried after its work resumes the retried wait',
    file: 'src/domain/webhook-decision.ts',
    find: "    if (orderNow.taskToken && orderNow.taskToken !== closedToken) return { action: 'RESUME_SAGA' };\n",
    replace: '',
    caughtBy: { npmTest: ['test/unit/domain/webhook-decision.test.ts', 'test/unit/use-cases/events/handle-stripe-event.test.ts', 'test/e2e/service-faults.test.ts'] },
    failingTestNamed: /retried payment wait|retried wait/,
  },
  {
    id: 'F3',
    promise: "Stripe's 429 rate_limit is retried with backoff (the SDK does not retry it)",
    file: 'src/adapters/payments.ts',
    find: '      if (!isRateLimited(error) || attempt >= delaysMs.length) throw error;',
    replace: '      throw error;',
    caughtBy: { npmTest: ['test/unit/adapters/payments.test.ts', 'test/e2e/service-faults.test.ts'] },
    failingTestNamed: /rate_limit|retried with backoff/,
  },
  {
    id: 'F4',
    promise: 'a FulfillOrder retried after its effect does not hand the order off twice',
    file: 'src/use-cases/saga/fulfill-order.ts',
    find: '    if (order.fulfilmentRequestedAt) {',
    replace: '    if (false as boolean) {',
    caughtBy: { npmTest: ['test/unit/use-cases/saga/fulfill-order.test.ts'], reliability: ['test/reliability/service-faults.test.ts'] },
    failingTestNamed: /not sent again|retried after its effect/,
  },
  {
    id: 'F5',
    promise: 'a fault per event strikes the first attempt of each function, not of each payload',
    file: 'local/faults/index.ts',
    find: "eventKey: `${functionKey} ${eventKeyOf(event)}`",
    replace: 'eventKey: eventKeyOf(event)',
    caughtBy: { npmTest: [], reliability: ['test/reliability/service-faults.test.ts'] },
    failingTestNamed: /retried after its effect/,
  },
];
