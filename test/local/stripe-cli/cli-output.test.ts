import { StripeCliOutput } from '../../../local/stripe-cli/cli-output';

test('one readable line per forwarded event, with its type and the status of the response', () => {
  const output = new StripeCliOutput();
  expect(output.format('2026-12-06 10:36:18   --> payment_intent.succeeded [evt_123]')).toBeUndefined();
  expect(output.format('2026-12-06 10:36:18  <--  [200] POST http://127.0.0.1:3000/webhooks/stripe [evt_123]')).toBe(
    'payment_intent.succeeded evt_123 -> 200 POST http://127.0.0.1:3000/webhooks/stripe',
  );
  expect(output.format('\u001b[1m2026-12-06 10:36:19\u001b[0m  <--  [\u001b[31m500\u001b[0m] POST http://127.0.0.1:3000/webhooks/stripe [evt_456]')).toBe(
    'event evt_456 -> 500 POST http://127.0.0.1:3000/webhooks/stripe',
  );
  expect(output.format('2026-12-06 10:36:20   --> connect payment_intent.canceled [evt_789]')).toBeUndefined();
  expect(output.format('2026-12-06 10:36:20  <--  [400] POST http://x/y [evt_789]')).toBe('payment_intent.canceled evt_789 -> 400 POST http://x/y');
});

test('errors and other lines pass through, secrets shortened, blank lines dropped', () => {
  const output = new StripeCliOutput();
  expect(output.format('2026-12-06 10:36:18            [ERROR] Failed to POST: connection refused')).toBe('[ERROR] Failed to POST: connection refused');
  expect(output.format('Ready! Your webhook signing secret is whsec_0123456789abcdef (^C to quit)')).toBe('Ready! Your webhook signing secret is whsec_0123... (^C to quit)');
  expect(output.format('   ')).toBeUndefined();
});
