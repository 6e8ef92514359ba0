import * as orders from '../../src/adapters/orders-repository';
import * as saga from '../../src/adapters/saga';
import { getSecret } from '../../src/adapters/secrets';
import { requireAdmin } from '../../src/commons/admin-auth';
import { errorResult, httpHandler, json, pathParameter } from '../../src/commons/http';
import { createResumeAfterPayment, type ResumeAfterPayment } from '../../src/use-cases/api/resume-order';

/** POST /admin/orders/{orderId}/resume: an operator re-runs the post-payment steps of a NEEDS_ATTENTION order. */
export function createResumeOrderHandler({ resumeAfterPayment, adminKey }: { resumeAfterPayment: ResumeAfterPayment; adminKey: () => Promise<string | undefined> }) {
  return httpHandler(async (event) => {
    requireAdmin(event, await adminKey());
    const orderId = pathParameter(event, 'orderId');
    const outcome = await resumeAfterPayment(orderId);
    switch (outcome.result) {
      case 'NOT_FOUND':
        return errorResult(404, 'ORDER_NOT_FOUND', 'No such order');
      case 'NOT_RESUMABLE':
        return errorResult(
          409,
          'ORDER_NOT_RESUMABLE',
          `Only NEEDS_ATTENTION orders whose post-payment step failed can be resumed (order is ${outcome.order.status}${
            outcome.order.attention ? `, ${outcome.order.attention.kind}` : ''
          })`,
        );
      case 'ALREADY_RESUMING':
        return errorResult(409, 'RESUME_IN_PROGRESS', 'A resume of this order was already requested and is running');
      case 'RESUMED':
        return json(202, { orderId, executionName: outcome.executionName });
    }
  });
}

export const handler = createResumeOrderHandler({
  resumeAfterPayment: createResumeAfterPayment({ orders, saga }),
  adminKey: () => getSecret('adminApiKey'),
});
