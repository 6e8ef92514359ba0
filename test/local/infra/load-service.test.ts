import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { configurationFiles, loadService, serviceCacheKey, serviceCachePath } from '../../../local/serverless-config/load-service';
import { REPO_ROOT } from './fixtures/fixture-service';

// Its own stage, so that this file never invalidates the cache other test files use.
const STAGE = 'localtest';

afterAll(() => rmSync(serviceCachePath(REPO_ROOT, STAGE), { force: true }));

test('serverless print resolves the real service: functions, resources, state machine, provider environment', async () => {
  rmSync(serviceCachePath(REPO_ROOT, STAGE), { force: true });
  const service = await loadService({ root: REPO_ROOT, stage: STAGE });

  expect(service.service).toBe('checkout-saga');
  expect(service.provider.stage).toBe(STAGE);
  expect(service.functions.reserveInventory).toMatchObject({ handler: 'functions/reserve-inventory/handler.handler', name: `checkout-saga-${STAGE}-reserveInventory` });
  expect(service.functions.inventoryWorker.events?.[0].sqs).toMatchObject({ arn: { 'Fn::GetAtt': ['InventoryUpdatesQueue', 'Arn'] }, batchSize: 10 });
  expect(service.resources?.Resources?.OrdersTable).toMatchObject({ Type: 'AWS::DynamoDB::Table', Properties: { TableName: `checkout-saga-${STAGE}-orders` } });
  expect(service.stepFunctions?.stateMachines?.checkout.definition.StartAt).toBe('RouteStart');
  expect(service.provider.environment).toMatchObject({ ORDERS_TABLE: `checkout-saga-${STAGE}-orders`, INVENTORY_UPDATES_QUEUE_URL: { Ref: 'InventoryUpdatesQueue' } });
  expect(existsSync(serviceCachePath(REPO_ROOT, STAGE))).toBe(true);
});

test('a second load comes from .local-cloud/service-<stage>.json without running serverless', async () => {
  const cache = JSON.parse(readFileSync(serviceCachePath(REPO_ROOT, STAGE), 'utf8'));
  expect(cache.key).toBe(serviceCacheKey(REPO_ROOT, STAGE));
  const writtenAt = statSync(serviceCachePath(REPO_ROOT, STAGE)).mtimeMs;
  const service = await loadService({ root: REPO_ROOT, stage: STAGE });
  // Running serverless again would have rewritten the cache.
  expect(statSync(serviceCachePath(REPO_ROOT, STAGE)).mtimeMs).toBe(writtenAt);
  expect(service).toEqual(cache.service);
});

test('the cache key covers every file serverless.yml pulls in and the environment variables it reads', () => {
  const files = configurationFiles(REPO_ROOT);
  expect(files).toEqual(
    expect.arrayContaining(['serverless.yml', 'functions/create-checkout/function.yml', 'resources/messaging.yml', 'stepfunctions/checkout.asl.yml']),
  );
  expect(files).toHaveLength(1 + 15 + 4 + 1); // serverless.yml, function.yml, resources/*.yml, the ASL
  const base = serviceCacheKey(REPO_ROOT, STAGE, {});
  for (const name of ['PAYMENT_WINDOW_SECONDS', 'STRIPE_API_BASE', 'LOG_LEVEL', 'AWS_REGION', 'RECONCILE_LOOK_BACK_SECONDS']) {
    expect(serviceCacheKey(REPO_ROOT, STAGE, { [name]: 'changed' })).not.toBe(base);
  }
  expect(serviceCacheKey(REPO_ROOT, STAGE, { UNRELATED: 'x' })).toBe(base);
  expect(serviceCacheKey(REPO_ROOT, 'other', {})).not.toBe(base);
});

test('an environment variable read by serverless.yml reaches the resolved config (and misses the cache)', async () => {
  const previous = process.env.PAYMENT_WINDOW_SECONDS;
  process.env.PAYMENT_WINDOW_SECONDS = '120';
  try {
    const service = await loadService({ root: REPO_ROOT, stage: STAGE });
    expect(service.provider.environment?.PAYMENT_WINDOW_SECONDS).toBe('120');
  } finally {
    if (previous === undefined) delete process.env.PAYMENT_WINDOW_SECONDS;
    else process.env.PAYMENT_WINDOW_SECONDS = previous;
  }
});
