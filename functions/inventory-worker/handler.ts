import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as inventory from '../../src/adapters/inventory-repository';
import { withLogging } from '../../src/commons/logger';
import { createApplyInventoryUpdates } from '../../src/use-cases/events/apply-inventory-updates';

const applyInventoryUpdates = createApplyInventoryUpdates({ inventory });

/** SQS consumer with partial batch failures: only messages that could not be applied come back. */
export const handler = withLogging(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failed = await applyInventoryUpdates(event.Records.map((r) => ({ messageId: r.messageId, body: r.body })));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
});
