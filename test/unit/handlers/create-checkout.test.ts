/** The checkout route over the real use case and Powertools' idempotency, with fakes of the adapters passed in. */
import { expectError, httpEvent, invoke, JSON_HEADERS, type EventOptions } from './events';
import { InMemoryPersistenceLayer } from '../fixtures/in-memory-idempotency';
import { createCheckoutHandler } from '../../../functions/create-checkout/handler';
import { logger } from '../../../src/commons/logger';
import type { Order } from '../../../src/domain/order';
import type { CatalogueEntry } from '../../../src/domain/pricing';
import { ORDER_ID_PATTERN } from '../../../src/domain/order';
import { createAcceptCheckout } from '../../../src/use-cases/api/accept-checkout';
import { fakeInventory, fakeMetrics, fakeOrders, fakeSaga } from '../use-cases/fakes';

const inventory = fakeInventory();
const orders = fakeOrders();
const saga = fakeSaga();
const handler = createCheckoutHandler({ acceptCheckout: createAcceptCheckout({ inventory, orders, saga, metrics: fakeMetrics() }), persistenceStore: new InMemoryPersistenceLayer() });
const getCatalogueMock = inventory.getCatalogue;
const createOrderMock = orders.createOrder;
const transitionOrderMock = orders.transitionOrder;
const startMock = saga.startCheckoutExecution;

const CATALOGUE: CatalogueEntry[] = [
  { sku: 'TSHIRT', name: 'T-shirt', price: 2500, currency: 'usd' },
  { sku: 'MUG', name: 'Mug', price: 1200, currency: 'usd' },
  ...Array.from({ length: 60 }, (_, i) => ({ sku: `SKU-${i}`, name: `Item ${i}`, price: 100, currency: 'usd' })),
];

function validBody(): any {
  return {
    items: [
      { sku: 'TSHIRT', quantity: 2 },
      { sku: 'MUG', quantity: 1 },
    ],
    customer: { email: 'buyer@example.com' },
    shippingAddress: { name: 'Ada Lovelace', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'us' },
  };
}

function post(body: unknown, options: Omit<EventOptions, 'body'> = {}) {
  return httpEvent({ method: 'POST', path: '/checkout', headers: JSON_HEADERS, ...options, body });
}

beforeEach(() => {
  jest.clearAllMocks();
  InMemoryPersistenceLayer.reset();
  process.env.PAYMENT_WINDOW_SECONDS = '';
  getCatalogueMock.mockImplementation(
    async (skus) => new Map(CATALOGUE.filter((entry) => skus.includes(entry.sku)).map((entry) => [entry.sku, entry])),
  );
  createOrderMock.mockResolvedValue(undefined);
  startMock.mockImplementation(async (name) => `arn:aws:states:eu-west-1:123456789012:execution:checkout:${name}`);
  transitionOrderMock.mockImplementation(async () => ({}) as Order);
});

function expectNothingStored() {
  expect(createOrderMock).not.toHaveBeenCalled();
  expect(startMock).not.toHaveBeenCalled();
  expect(transitionOrderMock).not.toHaveBeenCalled();
}

describe('createCheckout: accepted', () => {
  test('202 with the order id and PENDING; stores the order, then starts the saga once', async () => {
    const response = await invoke(handler, post(validBody()));

    expect(response.statusCode).toBe(202);
    expect(response.body.orderId).toMatch(ORDER_ID_PATTERN);
    expect(response.body.status).toBe('PENDING');
    expect(response.body.amounts).toEqual({ subtotal: 6200, shipping: 700, total: 6900, currency: 'usd' });
    expect(response.body.links).toEqual({
      order: `/orders/${response.body.orderId}`,
      cancel: `/orders/${response.body.orderId}/cancel`,
    });
    expect(response.headers.location).toBe(`/orders/${response.body.orderId}`);

    expect(createOrderMock).toHaveBeenCalledTimes(1);
    expect(startMock).toHaveBeenCalledTimes(1);
    expect(createOrderMock.mock.invocationCallOrder[0]).toBeLessThan(startMock.mock.invocationCallOrder[0]);

    const stored = createOrderMock.mock.calls[0][0];
    expect(stored).toMatchObject({
      orderId: response.body.orderId,
      status: 'PENDING',
      amounts: { subtotal: 6200, shipping: 700, total: 6900, currency: 'usd' },
      shippingZone: 'domestic',
      payment: {},
      paymentWindowSeconds: 900,
      customer: { email: 'buyer@example.com' },
    });
    expect(stored.shippingAddress.country).toBe('US');
    expect(stored.history).toEqual([{ status: 'PENDING', at: stored.createdAt }]);
    expect(stored.taskToken).toBeUndefined();
    expect(startMock).toHaveBeenCalledWith(response.body.orderId, {
      orderId: response.body.orderId,
      paymentWindowSeconds: 900,
    });
    expect(transitionOrderMock).not.toHaveBeenCalled();
  });

  test('two requests get two different order ids', async () => {
    const first = await invoke(handler, post(validBody()));
    const second = await invoke(handler, post(validBody()));
    expect(first.body.orderId).not.toBe(second.body.orderId);
  });

  test('prices sent by the client are ignored: the catalogue decides', async () => {
    const body = validBody();
    body.items = [{ sku: 'TSHIRT', quantity: 1, price: 1, unitPrice: 1 }];
    body.amounts = { total: 1 };
    const response = await invoke(handler, post(body));
    expect(response.statusCode).toBe(202);
    expect(response.body.amounts.total).toBe(3000);
    expect(createOrderMock.mock.calls[0][0].items).toEqual([
      { sku: 'TSHIRT', name: 'T-shirt', quantity: 1, unitPrice: 2500, lineTotal: 2500 },
    ]);
  });

  test('a base64-encoded body (as API Gateway sends non-text bodies) is decoded', async () => {
    const response = await invoke(handler, post(validBody(), { base64: true }));
    expect(response.statusCode).toBe(202);
    expect(createOrderMock).toHaveBeenCalledTimes(1);
  });

  test.each(['application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.api+json'])(
    'content type %p is accepted',
    async (contentType) => {
      const response = await invoke(handler, post(validBody(), { headers: { 'Content-Type': contentType } }));
      expect(response.statusCode).toBe(202);
    },
  );

  test('PAYMENT_WINDOW_SECONDS sets the window given to the order and the saga', async () => {
    process.env.PAYMENT_WINDOW_SECONDS = '120';
    const response = await invoke(handler, post(validBody()));
    expect(response.body.paymentWindowSeconds).toBe(120);
    expect(startMock.mock.calls[0][1]).toEqual({ orderId: response.body.orderId, paymentWindowSeconds: 120 });
  });
});

describe('createCheckout: refused requests store nothing', () => {
  afterEach(expectNothingStored);

  test.each(['{"items": [', 'not json', '', '{"a":1}}'])('malformed JSON %p -> 400 MALFORMED_JSON', async (raw) => {
    const response = await invoke(handler, post(raw));
    expectError(response, 400, 'MALFORMED_JSON');
  });

  test.each([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonp'])(
    'content type %p -> 415',
    async (contentType) => {
      const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
      const event = httpEvent({ method: 'POST', path: '/checkout', headers, body: validBody() });
      if (!contentType) delete event.headers['content-type'];
      const response = await invoke(handler, event);
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  test('a body over 64 KiB -> 413', async () => {
    const body = validBody();
    body.shippingAddress.line2 = 'x'.repeat(70 * 1024);
    expectError(await invoke(handler, post(body)), 413, 'BODY_TOO_LARGE');
  });

  test.each([
    ['customer.email', (b: any) => (b.customer.email = 'not-an-email')],
    ['customer', (b: any) => delete b.customer],
    ['shippingAddress.country', (b: any) => (b.shippingAddress.country = 'USA')],
    ['shippingAddress.city', (b: any) => (b.shippingAddress.city = '   ')],
    ['shippingAddress.postalCode', (b: any) => delete b.shippingAddress.postalCode],
    ['items', (b: any) => (b.items = [])],
    ['items', (b: any) => (b.items = 'TSHIRT')],
    ['items.0.sku', (b: any) => (b.items[0].sku = 'T SHIRT;drop')],
    ['items.1.quantity', (b: any) => (b.items[1].quantity = '2')],
  ])('schema error at %s -> 400 VALIDATION_FAILED naming the field', async (field, mutate) => {
    const body = validBody();
    mutate(body);
    const response = await invoke(handler, post(body));
    expectError(response, 400, 'VALIDATION_FAILED');
    expect(response.body.error.message.startsWith(`${field}: `)).toBe(true);
    expect(response.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });

  test('a JSON body that is not an object -> 400 VALIDATION_FAILED', async () => {
    const response = await invoke(handler, post('[1,2]'));
    expectError(response, 400, 'VALIDATION_FAILED');
    expect(response.body.error.message).toMatch(/^body: /);
  });

  test.each([0, 101, 1.5, -1])('quantity %p -> 400 VALIDATION_FAILED on items.0.quantity', async (quantity) => {
    const body = validBody();
    body.items[0].quantity = quantity;
    const response = await invoke(handler, post(body));
    expectError(response, 400, 'VALIDATION_FAILED');
    expect(response.body.error.message).toMatch(/^items\.0\.quantity: /);
  });

  test('more than 50 lines -> 400 VALIDATION_FAILED on items', async () => {
    const body = validBody();
    body.items = Array.from({ length: 51 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));
    const response = await invoke(handler, post(body));
    expectError(response, 400, 'VALIDATION_FAILED');
    expect(response.body.error.message).toMatch(/^items: /);
    expect(getCatalogueMock).not.toHaveBeenCalled();
  });

  test('unknown SKUs -> 400 UNKNOWN_SKU listing them', async () => {
    const body = validBody();
    body.items.push({ sku: 'NOPE-1', quantity: 1 }, { sku: 'NOPE-2', quantity: 1 });
    const response = await invoke(handler, post(body));
    expectError(response, 400, 'UNKNOWN_SKU');
    expect(response.body.error.details).toEqual({ skus: ['NOPE-1', 'NOPE-2'] });
  });

  test('a country outside the shipping zones -> 400 UNSUPPORTED_COUNTRY', async () => {
    const body = validBody();
    body.shippingAddress.country = 'JP';
    const response = await invoke(handler, post(body));
    expectError(response, 400, 'UNSUPPORTED_COUNTRY');
    expect(response.body.error.details).toEqual({ country: 'JP' });
  });

  test('the same SKU on two lines -> 400 INVALID_CART', async () => {
    const body = validBody();
    body.items.push({ sku: 'TSHIRT', quantity: 1 });
    expectError(await invoke(handler, post(body)), 400, 'INVALID_CART');
  });
});

describe('createCheckout: 50 lines is the limit, not over it', () => {
  test('exactly 50 lines are accepted', async () => {
    const body = validBody();
    body.items = Array.from({ length: 50 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));
    const response = await invoke(handler, post(body));
    expect(response.statusCode).toBe(202);
    expect(createOrderMock.mock.calls[0][0].items).toHaveLength(50);
  });
});

describe('createCheckout: internal errors', () => {
  const SECRET_DETAIL = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders-prod ProvisionedThroughputExceeded';

  test('a failing adapter -> 500 INTERNAL_ERROR with a generic message; the detail is only logged', async () => {
    const errorLog = jest.spyOn(logger, 'error');
    createOrderMock.mockRejectedValueOnce(new Error(SECRET_DETAIL));
    const response = await invoke(handler, post(validBody()));
    expectError(response, 500, 'INTERNAL_ERROR');
    expect(response.body.error.message).toBe('Something went wrong on our side; try again later');
    expect(response.raw).not.toContain('orders-prod');
    expect(response.raw).not.toContain('ProvisionedThroughput');
    expect(response.body.error).not.toHaveProperty('details');
    expect(startMock).not.toHaveBeenCalled();
    expect(errorLog).toHaveBeenCalledWith('Unhandled error', { error: expect.objectContaining({ message: SECRET_DETAIL }) });
    errorLog.mockRestore();
  });

  test('the saga cannot start -> the order is closed REJECTED and the client gets a generic 500', async () => {
    startMock.mockRejectedValueOnce(new Error(`StateMachineDoesNotExist: ${SECRET_DETAIL}`));
    const response = await invoke(handler, post(validBody()));
    expectError(response, 500, 'INTERNAL_ERROR');
    expect(response.raw).not.toContain('StateMachineDoesNotExist');
    const orderId = createOrderMock.mock.calls[0][0].orderId;
    expect(transitionOrderMock).toHaveBeenCalledWith(orderId, 'REJECTED', expect.any(String), {
      set: { failureReason: 'Checkout could not be started' },
    });
  });

  test('the catalogue cannot be read -> 500, nothing stored', async () => {
    getCatalogueMock.mockRejectedValueOnce(new Error(SECRET_DETAIL));
    const response = await invoke(handler, post(validBody()));
    expectError(response, 500, 'INTERNAL_ERROR');
    expect(response.raw).not.toContain('orders-prod');
    expectNothingStored();
  });
});

describe('createCheckout: Idempotency-Key (Powertools idempotency over an in-memory persistence layer)', () => {
  const withKey = (body: unknown, key: string) => post(body, { headers: { ...JSON_HEADERS, 'Idempotency-Key': key } });

  test('the same key and body answer the same order; the order is stored and the saga started once', async () => {
    const first = await invoke(handler, withKey(validBody(), 'key-1'));
    const second = await invoke(handler, withKey(validBody(), 'key-1'));
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(createOrderMock).toHaveBeenCalledTimes(1);
    expect(startMock).toHaveBeenCalledTimes(1);
    expect(InMemoryPersistenceLayer.records.size).toBe(1);
  });

  test('different keys are different orders', async () => {
    const first = await invoke(handler, withKey(validBody(), 'key-1'));
    const second = await invoke(handler, withKey(validBody(), 'key-2'));
    expect(second.body.orderId).not.toBe(first.body.orderId);
    expect(createOrderMock).toHaveBeenCalledTimes(2);
  });

  test('the same key with another body -> 409 IDEMPOTENCY_KEY_REUSED, nothing more stored', async () => {
    await invoke(handler, withKey(validBody(), 'key-1'));
    const other = validBody();
    other.items[0].quantity = 3;
    const response = await invoke(handler, withKey(other, 'key-1'));
    expectError(response, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(createOrderMock).toHaveBeenCalledTimes(1);
  });

  test('a request still in progress with the same key -> 409 REQUEST_IN_PROGRESS', async () => {
    let release!: () => void;
    createOrderMock.mockImplementationOnce(() => new Promise<void>((resolve) => (release = resolve)));
    const first = invoke(handler, withKey(validBody(), 'key-1'));
    // Let the first request reach createOrder (its in-progress record is stored by then).
    for (let turn = 0; turn < 100 && createOrderMock.mock.calls.length === 0; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(createOrderMock).toHaveBeenCalledTimes(1);

    const second = await invoke(handler, withKey(validBody(), 'key-1'));
    expectError(second, 409, 'REQUEST_IN_PROGRESS');

    release();
    expect((await first).statusCode).toBe(202);
    expect(createOrderMock).toHaveBeenCalledTimes(1);
  });

  test('a refused request leaves no record: the corrected retry with the same key is processed', async () => {
    const body = validBody();
    body.items[0].sku = 'NOPE';
    expectError(await invoke(handler, withKey(body, 'key-1')), 400, 'UNKNOWN_SKU');
    expect(InMemoryPersistenceLayer.records.size).toBe(0);

    // Same key, same (still wrong) body: processed again rather than answered from a record.
    expectError(await invoke(handler, withKey(body, 'key-1')), 400, 'UNKNOWN_SKU');
    expect(getCatalogueMock).toHaveBeenCalledTimes(2);
    expect(createOrderMock).not.toHaveBeenCalled();
  });

  test.each([
    ['empty', ''],
    ['a space', 'two words'],
    ['non-ASCII', 'clé'],
    ['256 characters', 'k'.repeat(256)],
  ])('an Idempotency-Key with %s -> 400 INVALID_IDEMPOTENCY_KEY, nothing stored', async (_label, key) => {
    const response = await invoke(handler, withKey(validBody(), key));
    expectError(response, 400, 'INVALID_IDEMPOTENCY_KEY');
    expectNothingStored();
    expect(InMemoryPersistenceLayer.records.size).toBe(0);
  });

  test('a 255-character key is accepted', async () => {
    const response = await invoke(handler, withKey(validBody(), 'k'.repeat(255)));
    expect(response.statusCode).toBe(202);
  });

  test('validation runs before the key is looked at: a malformed body with a key stores no record', async () => {
    expectError(await invoke(handler, withKey('{', 'key-1')), 400, 'MALFORMED_JSON');
    expect(InMemoryPersistenceLayer.records.size).toBe(0);
    expectNothingStored();
  });
});
