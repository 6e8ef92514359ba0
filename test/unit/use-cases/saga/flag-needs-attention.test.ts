import { logger } from '../../../../src/commons/logger';
import { InvalidOrderState } from '../../../../src/domain/errors';
import type { Order } from '../../../../src/domain/order';
import type { OpsAlertsPort, OrdersPort } from '../../../../src/use-cases/ports';
import { createFlagOrderNeedsAttention } from '../../../../src/use-cases/saga/flag-needs-attention';
import { anOrder, ORDER_ID } from '../../fixtures/orders';

logger.setLogLevel('SILENT');

const getOrderMock = jest.fn() as jest.MockedFunction<OrdersPort['getOrder']>;
const transitionMock = jest.fn() as jest.MockedFunction<OrdersPort['transitionOrder']>;
const updateMock = jest.fn() as jest.MockedFunction<OrdersPort['updateOrder']>;
const publishMock = jest.fn() as jest.MockedFunction<OpsAlertsPort['publishOpsAlert']>;
const flagOrderNeedsAttention = createFlagOrderNeedsAttention({
  orders: { getOrder: getOrderMock, transitionOrder: transitionMock, updateOrder: updateMock },
  opsAlerts: { publishOpsAlert: publishMock },
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
