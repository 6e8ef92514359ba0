/** The order's timeline: a webhook delivery attempt shows its status, latency and the endpoint's answer. */
import { buildTimeline } from '../../../console/server/model/timeline';

const empty = { statusHistory: [], executions: [], stripeEvents: [], alerts: [], dlqMessages: [] };

test("a webhook attempt's entry gives status and latency, and the response body as its detail", () => {
  const [entry] = buildTimeline({
    ...empty,
    deliveries: [{ eventId: 'evt_1', type: 'payment_intent.succeeded', attempt: 2, statusCode: 500, error: null, at: '2030-01-01T00:00:00.000Z', durationMs: 12, responseBody: '{"error":{"code":"INTERNAL"}}' }],
  });
  expect(entry).toEqual({
    at: '2030-01-01T00:00:00.000Z',
    source: 'webhook',
    title: 'webhook payment_intent.succeeded evt_1 attempt 2: HTTP 500 in 12 ms',
    detail: '{"error":{"code":"INTERNAL"}}',
    detailLabel: 'response body',
    tone: 'error',
  });
});

test('an attempt with no answer shows the error instead', () => {
  const [entry] = buildTimeline({
    ...empty,
    deliveries: [{ eventId: 'evt_1', type: 'payment_intent.succeeded', attempt: 1, statusCode: null, error: 'connect ECONNREFUSED', at: 't', durationMs: 3, responseBody: null }],
  });
  expect(entry).toMatchObject({ title: 'webhook payment_intent.succeeded evt_1 attempt 1: no answer (connect ECONNREFUSED) in 3 ms', detail: 'connect ECONNREFUSED', detailLabel: 'error' });
});
