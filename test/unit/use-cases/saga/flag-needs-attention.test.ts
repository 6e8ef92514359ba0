import { logger } from '../../../../src/commons/logger';
import { InvalidOrderState } from '../../../../src/domain/errors';
import type { Order } from '../../../../src/domain/order';
import type { OpsAlertsPort, OrdersPort } from '../../../../src/use-cases/ports';
import { createFlagOrderNeedsAttention } from '../../../../src/use-cases/saga/flag-needs-attention';
import { anOrder, ORDER_ID } from '../../fixtures/orders';
import { fakeMetrics } from '../fakes';

logger.setLogLevel('SILENT');

const getOrderMock = jest.fn() as jest.MockedFunction<OrdersPort['getOrder']>;
const transitionMock = jest.fn() as jest.MockedFunction<OrdersPort['transitionOrder']>;
const updateMock = jest.fn() as jest.MockedFunction<OrdersPort['updateOrder']>;
const publishMock = jest.fn() as jest.MockedFunction<OpsAlertsPort['publishOpsAlert']>;
const flagOrderNeedsAttention = createFlagOrderNeedsAttention({
  orders: { getOrder: getOrderMock, transitionOrder: transitionMock, updateOrder: updateMock },
  opsAlerts: { publishOpsAlert: publishMock },
  metrics: fakeMetrics(),
});

const REPORT = {
  orderId: ORDER_ID,
  kind: 'POST_PAYMENT_STEP_FAILED' as const,
  step: 'MarkPaid',
  error: 'DynamoDB.InternalServerError',
  reason: 'MarkPaid failed after its retries',
  executionId: 'arn:execution:resume-1',
};

const flagged = (attention: Partial<NonNullable<Order['attention']>>) =>
  anOrder({
    status: 'NEEDS_ATTENTION',
    attention: { kind: 'POST_PAYMENT_STEP_FAILED', step: 'FulfillOrder', error: 'X', at: 't0', alertedAt: 't1', ...attention } as Order['attention'],
  });

beforeEach(() => {
  jest.clearAllMocks();
  transitionMock.mockRejectedValue(new InvalidOrderState('Order cannot go from NEEDS_ATTENTION to NEEDS_ATTENTION', { from: 'NEEDS_ATTENTION', to: 'NEEDS_ATTENTION' }));
  updateMock.mockImplementation(async () => flagged({}));
  publishMock.mockResolvedValue(undefined);
});

describe('flagOrderNeedsAttention on an order already NEEDS_ATTENTION', () => {
  test('already flagged and alerted (a retried flag) -> no second alert', async () => {
    getOrderMock.mockResolvedValue(flagged({}));
    await flagOrderNeedsAttention(REPORT);
    expect(publishMock).not.toHaveBeenCalled();
    expect(updateMock).not.toHaveBeenCalled();
  });

  test("an operator's resume failed before moving the order -> new attention (claim cleared), one new alert", async () => {
    getOrderMock.mockResolvedValue(flagged({ resumeRequestedAt: 't2' }));
    await flagOrderNeedsAttention(REPORT);
    expect(updateMock).toHaveBeenNthCalledWith(
      1,
      ORDER_ID,
      { set: expect.objectContaining({ attention: expect.objectContaining({ step: 'MarkPaid' }), attentionStatus: 'OPEN' }) },
      ['NEEDS_ATTENTION'],
      { present: ['attention.resumeRequestedAt'] },
    );
    const written = updateMock.mock.calls[0][1].set!.attention as Record<string, unknown>;
    expect(written).not.toHaveProperty('resumeRequestedAt');
    expect(publishMock).toHaveBeenCalledTimes(1);
    expect(publishMock).toHaveBeenCalledWith(expect.objectContaining({ orderId: ORDER_ID, step: 'MarkPaid', executionId: REPORT.executionId }));
  });
});

describe('flagOrderNeedsAttention: the first flag of a paid order', () => {
  beforeEach(() => transitionMock.mockResolvedValue(anOrder({ status: 'NEEDS_ATTENTION', payment: { paymentIntentId: 'pi_order' } })));

  test('one transition to NEEDS_ATTENTION recording what failed, a plain message for the customer, then one alert, then the alert recorded', async () => {
    await flagOrderNeedsAttention({ ...REPORT, paymentStatus: 'succeeded' });
    expect(transitionMock).toHaveBeenCalledWith(ORDER_ID, 'NEEDS_ATTENTION', expect.any(String), {
      set: {
        attention: { kind: 'POST_PAYMENT_STEP_FAILED', step: 'MarkPaid', error: 'DynamoDB.InternalServerError', reason: REPORT.reason, at: expect.any(String) },
        attentionStatus: 'OPEN',
        failureReason: expect.stringMatching(/payment was received/i),
        'payment.status': 'succeeded',
      },
    });
    expect(publishMock).toHaveBeenCalledTimes(1);
    expect(publishMock).toHaveBeenCalledWith({
      type: 'ORDER_NEEDS_ATTENTION',
      orderId: ORDER_ID,
      step: 'MarkPaid',
      error: 'DynamoDB.InternalServerError',
      reason: REPORT.reason,
      paymentIntentId: 'pi_order',
      executionId: REPORT.executionId,
      at: expect.any(String),
      runbook: expect.stringContaining('docs/operations.md'),
    });
    expect(updateMock).toHaveBeenCalledWith(ORDER_ID, { set: { 'attention.alertedAt': expect.any(String) } });
    expect(publishMock.mock.invocationCallOrder[0]).toBeLessThan(updateMock.mock.invocationCallOrder[0]);
  });

  test('without a payment status the order keeps the one it has; the report\'s PaymentIntent wins over the order\'s', async () => {
    await flagOrderNeedsAttention({ ...REPORT, paymentIntentId: 'pi_report' });
    expect(transitionMock.mock.calls[0][3]!.set).not.toHaveProperty(['payment.status']);
    expect(publishMock).toHaveBeenCalledWith(expect.objectContaining({ paymentIntentId: 'pi_report' }));
  });

  test('an order without payment details still gets its alert (no PaymentIntent named)', async () => {
    transitionMock.mockResolvedValue({ ...anOrder({ status: 'NEEDS_ATTENTION' }), payment: undefined } as unknown as Order);
    await flagOrderNeedsAttention(REPORT);
    expect(publishMock).toHaveBeenCalledWith(expect.objectContaining({ paymentIntentId: undefined }));
  });

  test('a refusal from another status (the order is not where a flag can apply) is thrown, nothing alerted', async () => {
    transitionMock.mockRejectedValue(new InvalidOrderState('refused', { from: 'COMPLETED', to: 'NEEDS_ATTENTION' }));
    await expect(flagOrderNeedsAttention(REPORT)).rejects.toBeInstanceOf(InvalidOrderState);
    expect(getOrderMock).not.toHaveBeenCalled();
    expect(publishMock).not.toHaveBeenCalled();
  });

  test('any other failure of the transition is thrown for the saga to retry, nothing alerted', async () => {
    transitionMock.mockRejectedValue(new Error('InternalServerError'));
    await expect(flagOrderNeedsAttention(REPORT)).rejects.toThrow('InternalServerError');
    expect(publishMock).not.toHaveBeenCalled();
  });

  test('flagged but not yet alerted (a retry after the alert failed): the alert is sent now', async () => {
    transitionMock.mockRejectedValue(new InvalidOrderState('refused', { from: 'NEEDS_ATTENTION', to: 'NEEDS_ATTENTION' }));
    const notAlerted = anOrder({ status: 'NEEDS_ATTENTION', attention: { kind: 'POST_PAYMENT_STEP_FAILED', step: 'MarkPaid', error: 'X', reason: 'r', at: 't0' } as Order['attention'] });
    getOrderMock.mockResolvedValue(notAlerted);
    await flagOrderNeedsAttention(REPORT);
    expect(publishMock).toHaveBeenCalledTimes(1);
  });
});
