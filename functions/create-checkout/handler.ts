import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { idempotencyStore } from '../../src/adapters/idempotency-store';
import * as inventory from '../../src/adapters/inventory-repository';
import * as metrics from '../../src/adapters/metrics';
import * as orders from '../../src/adapters/orders-repository';
import * as saga from '../../src/adapters/saga';
import { httpHandler, HttpError, idempotencyKey, json, parseJsonBody } from '../../src/commons/http';
import { createAcceptCheckout, type AcceptCheckout, type CheckoutAccepted, type CheckoutRequest } from '../../src/use-cases/api/accept-checkout';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { CheckoutRequestSchema } from './schema';

/** POST /checkout: a customer's checkout; the same Idempotency-Key with the same body answers the same order. */
export function createCheckoutHandler({ acceptCheckout, persistenceStore }: { acceptCheckout: AcceptCheckout; persistenceStore: BasePersistenceLayer }) {
  // The same Idempotency-Key with the same body answers the same order; with another body, 409.
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: 24 * 3600,
  });
  const acceptOnce = makeIdempotent(
    async (input: { idempotencyKey: string; request: CheckoutRequest }): Promise<CheckoutAccepted> =>
      acceptCheckout(input.request),
    {
      persistenceStore,
      config: idempotency,
    },
  );

  return httpHandler(async (event, context) => {
    const request = parseJsonBody(event, CheckoutRequestSchema);
    const key = idempotencyKey(event);
    if (key === undefined) return accepted(await acceptCheckout(request));

    idempotency.registerLambdaContext(context);
    try {
      return accepted(await acceptOnce({ idempotencyKey: key, request }));
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new HttpError(409, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new HttpError(409, 'REQUEST_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed');
      }
      throw error;
    }
  });
}

export const handler = createCheckoutHandler({
  acceptCheckout: createAcceptCheckout({ inventory, orders, saga, metrics }),
  persistenceStore: idempotencyStore(),
});

function accepted(body: CheckoutAccepted) {
  return json(202, body, { location: body.links.order });
}
