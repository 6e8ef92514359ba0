import { logger } from '../../../../src/commons/logger';
import { createNotifySlack, formatOpsMessage } from '../../../../src/use-cases/events/notify-slack';

logger.setLogLevel('SILENT');

const getSecret = jest.fn();
const post = jest.fn();
const notifySlack = createNotifySlack({ secrets: { getSecret }, fetch: post });
const ALERT = JSON.stringify({
  type: 'ORDER_NEEDS_ATTENTION',
  orderId: 'ord_1',
  step: 'FulfillOrder',
  error: 'States.TaskFailed',
  reason: 'FulfillOrder failed after its retries',
  paymentIntentId: 'pi_1',
  executionId: 'arn:execution',
  runbook: 'docs/operations.md',
});

beforeEach(() => jest.resetAllMocks());

test('an ops alert becomes one Slack line naming the order, the step, the PaymentIntent and the runbook', () => {
  const text = formatOpsMessage(ALERT);
  expect(text).toContain('*Order ord_1 needs attention* (step FulfillOrder, States.TaskFailed)');
  expect(text).toContain('PaymentIntent: pi_1 | Execution: arn:execution');
  expect(text).toContain('Runbook: docs/operations.md');
});

test('execution status changes, alarms and plain text are formatted too', () => {
  expect(formatOpsMessage(JSON.stringify({ 'detail-type': 'Step Functions Execution Status Change', detail: { name: 'ord_1', status: 'FAILED', executionArn: 'arn' } }))).toContain('Checkout execution ord_1 FAILED');
  expect(formatOpsMessage(JSON.stringify({ AlarmName: 'DLQ not empty', NewStateValue: 'ALARM' }))).toContain('Alarm DLQ not empty* is ALARM');
  expect(formatOpsMessage('not json', 'Subject')).toBe(':rotating_light: Subject: not json');
});

test('with a Slack URL: posted as {text}; without one: only logged', async () => {
  getSecret.mockResolvedValue('https://hooks.slack.test/x');
  post.mockResolvedValue({ ok: true, status: 200 });
  await expect(notifySlack(ALERT)).resolves.toBe('POSTED');
  expect(post).toHaveBeenCalledWith('https://hooks.slack.test/x', expect.objectContaining({ method: 'POST', body: JSON.stringify({ text: formatOpsMessage(ALERT) }) }));

  getSecret.mockResolvedValue(undefined);
  await expect(notifySlack(ALERT)).resolves.toBe('LOGGED');
  expect(post).toHaveBeenCalledTimes(1);
});

test('Slack refusing the post throws, so that SNS retries the delivery and the alert is not lost', async () => {
  getSecret.mockResolvedValue('https://hooks.slack.test/x');
  post.mockResolvedValue({ ok: false, status: 500 });
  await expect(notifySlack(ALERT)).rejects.toThrow('Slack answered 500');
});

test('what cannot be read as an alert is passed on, cut to 2,000 characters, under the subject or the service name', () => {
  const long = 'x'.repeat(2500);
  expect(formatOpsMessage(long)).toBe(`:rotating_light: checkout-saga: ${'x'.repeat(2000)}`);
  expect(formatOpsMessage(JSON.stringify({ something: 'else' }))).toBe(`:rotating_light: checkout-saga: ${JSON.stringify({ something: 'else' })}`);
  expect(formatOpsMessage(`{"a":"${'y'.repeat(2500)}"}`, 'S').length).toBe(':rotating_light: S: '.length + 2000);
});

test('an alert without a PaymentIntent or execution says so; its lines are separate; an alarm without a reason ends cleanly', () => {
  const text = formatOpsMessage(JSON.stringify({ type: 'ORDER_NEEDS_ATTENTION', orderId: 'ord_2', step: 'MarkPaid', error: 'E', reason: 'why', runbook: 'r' }));
  expect(text.split('\n')).toEqual([':rotating_light: *Order ord_2 needs attention* (step MarkPaid, E)', 'why', 'PaymentIntent: none | Execution: n/a', 'Runbook: r']);
  expect(formatOpsMessage(JSON.stringify({ AlarmName: 'A', NewStateValue: 'OK' }))).toBe(':bell: *Alarm A* is OK: ');
});

test('the post is JSON, as Slack incoming webhooks require', async () => {
  getSecret.mockResolvedValue('https://hooks.slack.test/x');
  post.mockResolvedValue({ ok: true, status: 200 });
  await notifySlack(ALERT);
  expect(post.mock.calls[0][1].headers).toEqual({ 'content-type': 'application/json' });
});
