import * as inventory from '../../src/adapters/inventory-repository';
import * as metrics from '../../src/adapters/metrics';
import * as opsAlerts from '../../src/adapters/ops-alerts';
import * as orders from '../../src/adapters/orders-repository';
import * as payments from '../../src/adapters/payments';
import { logOrder, withLogging } from '../../src/commons/logger';
import { createCompensateOrder } from '../../src/use-cases/saga/compensate-order';
import { createFlagOrderNeedsAttention } from '../../src/use-cases/saga/flag-needs-attention';

const compensateOrder = createCompensateOrder({
  orders,
  inventory,
  payments,
  flagOrderNeedsAttention: createFlagOrderNeedsAttention({ orders, opsAlerts, metrics }),
  metrics,
});

interface CompensateEvent {
  orderId: string;
  error?: { Error?: string; Cause?: string };
  executionId?: string;
}

/** Invoked by the state machine (CompensateOrder) on any failure, cancel or expiry before payment. */
export const handler = withLogging(async (event: CompensateEvent) => {
  logOrder(event.orderId);
  return compensateOrder(event.orderId, event.error, event.executionId);
});
