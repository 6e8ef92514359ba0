import { pollUntil, PollTimeout, UnexpectedAnswer } from './poll';

test('a probe error is "not yet": the poll goes on until the value is accepted', async () => {
  let calls = 0;
  const value = await pollUntil('the third call', () => {
    calls += 1;
    if (calls < 3) throw new Error('not ready');
    return calls;
  }, { intervalMs: 1, timeoutMs: 5000 });
  expect(value).toBe(3);
});

test('an UnexpectedAnswer fails the poll at once instead of being retried until the deadline', async () => {
  let calls = 0;
  const failure = pollUntil('an order', () => {
    calls += 1;
    throw new UnexpectedAnswer('GET /orders/x answered 500');
  }, { intervalMs: 1, timeoutMs: 2_000 });
  await expect(failure).rejects.toBeInstanceOf(UnexpectedAnswer);
  expect(calls).toBe(1);
});

test('on the deadline the poll fails with what it saw last', async () => {
  await expect(pollUntil('never', () => 'still no', { accept: () => false, intervalMs: 1, timeoutMs: 20 })).rejects.toThrow(PollTimeout);
});
