/** The admin routes (resume, stock adjustments) over the real use cases, with fakes of their adapters passed in. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { expectError, httpEvent, invoke, JSON_HEADERS } from './events';
import { createAdjustInventoryHandler } from '../../../functions/adjust-inventory/handler';
import { createResumeOrderHandler } from '../../../functions/resume-order/handler';
import { getSecret } from '../../../src/adapters/secrets';
import { createRequestInventoryAdjustment } from '../../../src/use-cases/api/adjust-inventory';
import { createResumeAfterPayment } from '../../../src/use-cases/api/resume-order';
import { anOrder, ORDER_ID } from '../fixtures/orders';
import { fakeInventory, fakeOrders, fakeQueues, fakeSaga } from '../use-cases/fakes';

const inventory = fakeInventory();
const queues = fakeQueues();
const orders = fakeOrders();
const saga = fakeSaga();
// The admin key as deployed functions read it (an environment override of the SSM secret here).
const adminKey = () => getSecret('adminApiKey');
const adjustInventory = createAdjustInventoryHandler({ requestInventoryAdjustment: createRequestInventoryAdjustment({ inventory, queues }), adminKey });
const resumeOrder = createResumeOrderHandler({ resumeAfterPayment: createResumeAfterPayment({ orders, saga }), adminKey });
const getProductMock = inventory.getProduct;
const sendMock = queues.sendInventoryUpdate;
const getOrderMock = orders.getOrder;
const updateOrderMock = orders.updateOrder;
const startMock = saga.startCheckoutExecution;

const ADMIN_KEY = 'admin-key-0123456789';

beforeEach(() => {
  jest.clearAllMocks();
  process.env.ADMIN_API_KEY = ADMIN_KEY;
  delete process.env.ADMIN_API_KEY_PARAMETER;
  getProductMock.mockImplementation(async (sku) =>
    sku === 'MUG' ? { sku: 'MUG', name: 'Mug', price: 1200, currency: 'usd', available: 5, reserved: 0, sold: 0 } : undefined,
  );
  sendMock.mockResolvedValue(undefined);
  getOrderMock.mockResolvedValue(undefined);
  updateOrderMock.mockResolvedValue(undefined);
  startMock.mockResolvedValue('arn:execution');
});

afterAll(() => {
  delete process.env.ADMIN_API_KEY;
});

function adjust(body: unknown, headers: Record<string, string> = { 'x-api-key': ADMIN_KEY }) {
  return httpEvent({
    method: 'POST',
    path: '/admin/inventory/adjustments',
    headers: { ...JSON_HEADERS, ...headers },
    body,
  });
}

function resume(orderId: string, headers: Record<string, string> = { 'x-api-key': ADMIN_KEY }) {
  return httpEvent({
    method: 'POST',
    path: `/admin/orders/${orderId}/resume`,
    routeKey: 'POST /admin/orders/{orderId}/resume',
    headers,
    pathParameters: { orderId },
  });
}

const VALID_ADJUSTMENT = { sku: 'MUG', delta: 10, reason: 'recount' };

describe.each([
  ['adjustInventory', adjustInventory, (headers: Record<string, string>) => adjust(VALID_ADJUSTMENT, headers)],
  ['resumeOrder', resumeOrder, (headers: Record<string, string>) => resume(ORDER_ID, headers)],
] as const)('%s: admin key', (_name, handler, build: (headers: Record<string, string>) => APIGatewayProxyEventV2) => {
  function expectUntouched() {
    expect(getProductMock).not.toHaveBeenCalled();
    expect(sendMock).not.toHaveBeenCalled();
    expect(getOrderMock).not.toHaveBeenCalled();
    expect(startMock).not.toHaveBeenCalled();
  }

  test('no x-api-key -> 401', async () => {
    expectError(await invoke(handler, build({})), 401, 'UNAUTHORIZED');
    expectUntouched();
  });

  test.each([
    ['another key', 'admin-key-0123456788'],
    ['a prefix of the key', ADMIN_KEY.slice(0, -1)],
    ['the key plus more', `${ADMIN_KEY}0`],
    ['an empty key', ''],
  ])('%s -> 401', async (_label, key) => {
    const response = await invoke(handler, build({ 'x-api-key': key }));
    expectError(response, 401, 'UNAUTHORIZED');
    expect(response.raw).not.toContain(ADMIN_KEY);
    expectUntouched();
  });

  test('the header name is case-insensitive', async () => {
    const response = await invoke(handler, build({ 'X-Api-Key': ADMIN_KEY }));
    expect(response.statusCode).not.toBe(401);
  });

  test('no admin key configured -> 503 ADMIN_DISABLED (never open)', async () => {
    delete process.env.ADMIN_API_KEY;
    expectError(await invoke(handler, build({ 'x-api-key': '' })), 503, 'ADMIN_DISABLED');
    expectUntouched();
  });
});

describe('adjustInventory', () => {
  test('202 QUEUED; the ADJUST update is sent with an id from the Idempotency-Key', async () => {
    const response = await invoke(adjustInventory, adjust(VALID_ADJUSTMENT, { 'x-api-key': ADMIN_KEY, 'Idempotency-Key': 'k-42' }));
    expect(response.statusCode).toBe(202);
    expect(response.body).toEqual({ updateId: 'adjust-k-42', status: 'QUEUED' });
    expect(sendMock).toHaveBeenCalledTimes(1);
    expect(sendMock).toHaveBeenCalledWith({ type: 'ADJUST', updateId: 'adjust-k-42', sku: 'MUG', delta: 10, reason: 'recount' });
  });

  test('without an Idempotency-Key each request gets its own update id', async () => {
    const first = await invoke(adjustInventory, adjust(VALID_ADJUSTMENT));
    const second = await invoke(adjustInventory, adjust(VALID_ADJUSTMENT));
    expect(first.body.updateId).toMatch(/^adjust-[0-9a-f-]{36}$/);
    expect(second.body.updateId).not.toBe(first.body.updateId);
  });

  test.each([['too long', 'k'.repeat(256)], ['not printable', 'k 42'], ['empty', '']])(
    'an Idempotency-Key %s -> 400 INVALID_IDEMPOTENCY_KEY and nothing queued (never silently replaced, which would apply a retry twice)',
    async (_, key) => {
      expectError(await invoke(adjustInventory, adjust(VALID_ADJUSTMENT, { 'x-api-key': ADMIN_KEY, 'Idempotency-Key': key })), 400, 'INVALID_IDEMPOTENCY_KEY');
      expect(sendMock).not.toHaveBeenCalled();
    },
  );

  test('the longest Idempotency-Key (255) makes an update id the inventory worker accepts', async () => {
    const response = await invoke(adjustInventory, adjust(VALID_ADJUSTMENT, { 'x-api-key': ADMIN_KEY, 'Idempotency-Key': 'k'.repeat(255) }));
    expect(response.statusCode).toBe(202);
    const { InventoryUpdateSchema } = await import('../../../src/use-cases/events/apply-inventory-updates');
    expect(InventoryUpdateSchema['~standard'].validate(sendMock.mock.calls[0][0])).toEqual({ value: sendMock.mock.calls[0][0] });
  });

  test('a negative delta is an adjustment too', async () => {
    const response = await invoke(adjustInventory, adjust({ sku: 'MUG', delta: -3, reason: 'damaged' }));
    expect(response.statusCode).toBe(202);
    expect(sendMock.mock.calls[0][0]).toMatchObject({ delta: -3 });
  });

  test.each([
    ['delta', { sku: 'MUG', delta: 0, reason: 'x' }],
    ['delta', { sku: 'MUG', delta: 1.5, reason: 'x' }],
    ['delta', { sku: 'MUG', delta: '5', reason: 'x' }],
    ['delta', { sku: 'MUG', delta: 1_000_001, reason: 'x' }],
    ['reason', { sku: 'MUG', delta: 1, reason: '   ' }],
    ['reason', { sku: 'MUG', delta: 1 }],
    ['sku', { sku: '', delta: 1, reason: 'x' }],
    ['sku', { sku: 'S'.repeat(65), delta: 1, reason: 'x' }],
  ])('bad %s -> 400 VALIDATION_FAILED, nothing queued', async (field, body) => {
    const response = await invoke(adjustInventory, adjust(body));
    expectError(response, 400, 'VALIDATION_FAILED');
    expect(response.body.error.message.startsWith(`${field}: `)).toBe(true);
    expect(sendMock).not.toHaveBeenCalled();
    expect(getProductMock).not.toHaveBeenCalled();
  });

  test('malformed JSON -> 400', async () => {
    expectError(await invoke(adjustInventory, adjust('{"sku":')), 400, 'MALFORMED_JSON');
    expect(sendMock).not.toHaveBeenCalled();
  });

  test('an unknown SKU -> 404 PRODUCT_NOT_FOUND, nothing queued', async () => {
    const response = await invoke(adjustInventory, adjust({ sku: 'NOPE', delta: 1, reason: 'x' }));
    expectError(response, 404, 'PRODUCT_NOT_FOUND');
    expect(getProductMock).toHaveBeenCalledWith('NOPE');
    expect(sendMock).not.toHaveBeenCalled();
  });

  test('the queue is down -> generic 500', async () => {
    sendMock.mockRejectedValueOnce(new Error('QueueDoesNotExist https://sqs.eu-west-1.amazonaws.com/123/inventory'));
    const response = await invoke(adjustInventory, adjust(VALID_ADJUSTMENT));
    expectError(response, 500, 'INTERNAL_ERROR');
    expect(response.raw).not.toContain('sqs.');
  });
});

describe('resumeOrder', () => {
  const stuck = () =>
    anOrder({
      status: 'NEEDS_ATTENTION',
      attention: { kind: 'POST_PAYMENT_STEP_FAILED', step: 'FulfillOrder', error: 'Lambda.Unknown', at: 't' },
    });

  test('a NEEDS_ATTENTION order whose post-payment step failed -> 202 and a new execution re-entering after payment', async () => {
    getOrderMock.mockResolvedValueOnce(stuck());
    updateOrderMock.mockResolvedValueOnce({ ...stuck(), resumeCount: 2 });
    const response = await invoke(resumeOrder, resume(ORDER_ID));
    expect(response.statusCode).toBe(202);
    expect(response.body).toEqual({ orderId: ORDER_ID, executionName: `${ORDER_ID}-resume-2` });
    // The claim is atomic: one resume per flagged failure.
    expect(updateOrderMock).toHaveBeenCalledWith(
      ORDER_ID,
      { set: { 'attention.resumeRequestedAt': expect.any(String) }, add: { resumeCount: 1 } },
      ['NEEDS_ATTENTION'],
      { absent: ['attention.resumeRequestedAt'] },
    );
    expect(startMock).toHaveBeenCalledWith(`${ORDER_ID}-resume-2`, {
      orderId: ORDER_ID,
      paymentWindowSeconds: 900,
      resumeAfterPayment: true,
      reservation: { lines: [{ sku: 'TSHIRT', quantity: 1 }] },
    });
  });

  test('no orderId in the path -> 400', async () => {
    const event = resume(ORDER_ID);
    delete event.pathParameters;
    expectError(await invoke(resumeOrder, event), 400, 'MISSING_PATH_PARAMETER');
    expect(getOrderMock).not.toHaveBeenCalled();
  });

  test('an unknown order -> 404', async () => {
    expectError(await invoke(resumeOrder, resume(ORDER_ID)), 404, 'ORDER_NOT_FOUND');
    expect(startMock).not.toHaveBeenCalled();
  });

  test.each([
    ['PAID', undefined],
    ['AWAITING_PAYMENT', undefined],
    ['NEEDS_ATTENTION', 'PAID_AFTER_COMPENSATION'],
    ['NEEDS_ATTENTION', 'PAYMENT_AMOUNT_MISMATCH'],
  ] as const)('a %s order (%s) -> 409 ORDER_NOT_RESUMABLE', async (status, kind) => {
    getOrderMock.mockResolvedValueOnce(anOrder({ status, ...(kind ? { attention: { kind, at: 't' } } : {}) }));
    const response = await invoke(resumeOrder, resume(ORDER_ID));
    expectError(response, 409, 'ORDER_NOT_RESUMABLE');
    expect(response.body.error.message).toContain(status);
    expect(startMock).not.toHaveBeenCalled();
  });

  test('a resume already claimed (a second operator request, concurrent or while it runs) -> 409 RESUME_IN_PROGRESS, no execution', async () => {
    // Found by the reliability suite (scenario 6): two concurrent resumes both started an execution.
    const claimed = () => anOrder({ ...stuck(), attention: { ...stuck().attention!, resumeRequestedAt: 't1' } });
    getOrderMock.mockResolvedValueOnce(claimed());
    expectError(await invoke(resumeOrder, resume(ORDER_ID)), 409, 'RESUME_IN_PROGRESS');
    // Lost the race for the claim after reading an unclaimed order.
    getOrderMock.mockResolvedValueOnce(stuck()).mockResolvedValueOnce(claimed());
    updateOrderMock.mockResolvedValueOnce(undefined);
    expectError(await invoke(resumeOrder, resume(ORDER_ID)), 409, 'RESUME_IN_PROGRESS');
    expect(startMock).not.toHaveBeenCalled();
  });

  test('the execution cannot be started -> the claim is given back and the error is a 500', async () => {
    getOrderMock.mockResolvedValueOnce(stuck());
    updateOrderMock.mockResolvedValueOnce({ ...stuck(), resumeCount: 1 });
    startMock.mockRejectedValueOnce(new Error('StateMachineDoesNotExist'));
    expectError(await invoke(resumeOrder, resume(ORDER_ID)), 500, 'INTERNAL_ERROR');
    expect(updateOrderMock).toHaveBeenLastCalledWith(ORDER_ID, { remove: ['attention.resumeRequestedAt'] }, ['NEEDS_ATTENTION']);
  });

  test('the order moved on between the read and the count -> 409, no execution', async () => {
    getOrderMock.mockResolvedValueOnce(stuck());
    updateOrderMock.mockResolvedValueOnce(undefined);
    expectError(await invoke(resumeOrder, resume(ORDER_ID)), 409, 'ORDER_NOT_RESUMABLE');
    expect(startMock).not.toHaveBeenCalled();
  });
});
