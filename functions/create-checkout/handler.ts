import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { idempotencyStore } from '../../src/adapters/idempotency-store';
import * as inventory from '../../src/adapters/inventory-repository';
import * as orders from '../../src/adapters/orders-repository';
import * as saga from '../../src/adapters/saga';
import { header, httpHandler, HttpError, json, parseJsonBody } from '../../src/commons/http';
import { createAcceptCheckout, type CheckoutAccepted, type CheckoutRequest } from '../../src/use-cases/api/accept-checkout';
import { CheckoutRequestSchema, IdempotencyKeySchema } from './schema';

const acceptCheckout = createAcceptCheckout({ inventory, orders, saga });

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
    persistenceStore: idempotencyStore(),
    config: idempotency,
  },
);

export const handler = httpHandler(async (event, context) => {
  const request = parseJsonBody(event, CheckoutRequestSchema);
  const rawKey = header(event, 'idempotency-key');
  if (rawKey === undefined) return accepted(await acceptCheckout(request));

  const key = IdempotencyKeySchema.safeParse(rawKey);
  if (!key.success) throw new HttpError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 printable characters');
  idempotency.registerLambdaContext(context);
  try {
    return accepted(await acceptOnce({ idempotencyKey: key.data, request }));
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

function accepted(body: CheckoutAccepted) {
  return json(202, body, { location: body.links.order });
}
