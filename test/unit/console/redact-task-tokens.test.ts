/** The console never serves a task token: the payment wait's parameters in a history carry one. */
import { redactTaskTokens } from '../../../console/server/data/executions';

test('task tokens are redacted in history events, as object fields and inside the JSON strings of parameters, input and output', () => {
  const token = 'AQCEAAAAKgAAAAMAAAAAAAAAAXZ1c2VyIGlkZW50aXR5';
  const event = {
    id: 12,
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      resource: 'invoke.waitForTaskToken',
      parameters: JSON.stringify({ FunctionName: 'requestPayment', Payload: { orderId: 'ord_1', taskToken: token } }),
    },
    stateEnteredEventDetails: { input: JSON.stringify({ orderId: 'ord_1' }) },
    nested: [{ taskToken: token }],
    broken: `{"taskToken": "${token}", not json`,
  };
  const redacted = redactTaskTokens(event);
  expect(JSON.stringify(redacted)).not.toContain(token);
  expect(JSON.parse(redacted.taskScheduledEventDetails.parameters).Payload).toEqual({ orderId: 'ord_1', taskToken: expect.stringMatching(/^\[redacted/) });
  expect(redacted.stateEnteredEventDetails.input).toBe(event.stateEnteredEventDetails.input);
  expect(redacted.id).toBe(12);
});
