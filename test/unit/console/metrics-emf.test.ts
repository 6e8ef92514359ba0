/**
 * The console's local metrics come from the lines Powertools Metrics prints: emitted through the
 * handlers' own adapter, captured from stdout as `npm start` does, and summed per minute.
 */
import { captureEmfLines } from '../../../console/server/local-console';
import { seriesFromEmf } from '../../../console/server/data/metrics';
import { countEvent, recordDuration } from '../../../src/adapters/metrics';

const MINUTE = 60_000;

function emitted(emit: () => void): string[] {
  // Keep the test's output clean: the capture sees the line first, the terminal not at all.
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const capture = captureEmfLines(process.stdout);
  try {
    emit();
  } finally {
    capture.stop();
    write.mockRestore();
  }
  return capture.lines();
}

const byName = (lines: string[], end: number) => Object.fromEntries(seriesFromEmf(lines, end).map((s) => [s.name, s]));

test("Powertools' EMF lines: one per event, namespace CheckoutSaga, dimensions service and stage", () => {
  process.env.STAGE = 'test';
  const lines = emitted(() => countEvent('CheckoutAccepted'));
  expect(lines).toHaveLength(1);
  const record = JSON.parse(lines[0]);
  expect(record._aws.CloudWatchMetrics).toEqual([
    { Namespace: 'CheckoutSaga', Dimensions: [['service', 'stage']], Metrics: [{ Name: 'CheckoutAccepted', Unit: 'Count' }] },
  ]);
  expect(record).toMatchObject({ service: 'checkout-saga', stage: 'test', CheckoutAccepted: 1 });
});

test('counts are summed per minute of the last hour; durations averaged; older lines and other namespaces ignored', () => {
  const lines = emitted(() => {
    countEvent('CheckoutAccepted');
    countEvent('CheckoutAccepted');
    countEvent('OrderCompleted');
    recordDuration('PaymentToCompletedTime', 100);
    recordDuration('PaymentToCompletedTime', 300);
  });
  const now = Date.now();
  const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const old = JSON.stringify({ ...JSON.parse(lines[0]), _aws: { ...JSON.parse(lines[0])._aws, Timestamp: now - 2 * 3600_000 } });
  const foreign = lines[0].replace('"CheckoutSaga"', '"SomeoneElse"');
  const series = byName([...lines, old, foreign, 'not json'], end);

  expect(series.CheckoutAccepted).toMatchObject({ unit: 'Count', total: 2, samples: 2 });
  expect(series.CheckoutAccepted.points).toHaveLength(60);
  expect(series.CheckoutAccepted.points[59]).toBe(2);
  expect(series.OrderCompleted.total).toBe(1);
  expect(series.PaymentToCompletedTime).toMatchObject({ unit: 'Milliseconds', total: 200, samples: 2 });
  expect(series.PaymentToCompletedTime.points[59]).toBe(200);
  expect(series.OrderExpired.total).toBe(0);
});

test('a metric added twice before one flush (an array of values in EMF) counts both', () => {
  const line = JSON.stringify({
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'CheckoutSaga', Dimensions: [['service']], Metrics: [{ Name: 'PaymentDeclined', Unit: 'Count' }] }] },
    service: 'checkout-saga',
    PaymentDeclined: [1, 1],
  });
  expect(byName([line], Date.now() + MINUTE).PaymentDeclined.total).toBe(2);
});
