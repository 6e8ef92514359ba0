/** The operator's resume: only a NEEDS_ATTENTION order whose post-payment step failed, claimed once (the HTTP side: test/unit/handlers/admin.test.ts). */
import { logger } from '../../../../src/commons/logger';
import type { Order } from '../../../../src/domain/order';
import { createResumeAfterPayment } from '../../../../src/use-cases/api/resume-order';
import { anOrder, ORDER_ID } from '../../fixtures/orders';
import { fakeOrders, fakeSaga } from '../fakes';

logger.setLogLevel('SILENT');

const orders = fakeOrders();
const saga = fakeSaga();
const resumeAfterPayment = createResumeAfterPayment({ orders, saga });
const postPaymentFailure = { kind: 'POST_PAYMENT_STEP_FAILED', step: 'FulfillOrder', error: 'X', reason: 'r', at: 't0' } as Order['attention'];

beforeEach(() => jest.resetAllMocks());

test('an order no longer NEEDS_ATTENTION (completed after an earlier resume) is not resumable, whatever attention it still carries', async () => {
  const completed = anOrder({ status: 'COMPLETED', attention: postPaymentFailure });
  orders.getOrder.mockResolvedValue(completed);
  await expect(resumeAfterPayment(ORDER_ID)).resolves.toEqual({ result: 'NOT_RESUMABLE', order: completed });
  expect(orders.updateOrder).not.toHaveBeenCalled();
  expect(saga.startCheckoutExecution).not.toHaveBeenCalled();
});

test('a claim refused because the order moved on (completed by the other resume) answers NOT_RESUMABLE, not ALREADY_RESUMING', async () => {
  orders.getOrder
    .mockResolvedValueOnce(anOrder({ status: 'NEEDS_ATTENTION', attention: postPaymentFailure }))
    .mockResolvedValueOnce(anOrder({ status: 'COMPLETED', attention: { ...postPaymentFailure!, resumeRequestedAt: 't1' } as Order['attention'] }));
  orders.updateOrder.mockResolvedValue(undefined);
  await expect(resumeAfterPayment(ORDER_ID)).resolves.toMatchObject({ result: 'NOT_RESUMABLE' });
  expect(saga.startCheckoutExecution).not.toHaveBeenCalled();
});
