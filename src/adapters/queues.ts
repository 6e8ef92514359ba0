import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { config } from '../commons/config';
import type { InventoryUpdate } from '../domain/inventory';
import { sqs } from './clients/sqs';

export async function sendInventoryUpdate(update: InventoryUpdate): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: config.inventoryUpdatesQueueUrl, MessageBody: JSON.stringify(update) }));
}

export interface FulfilmentRequest {
  /** Consumers dedupe on this: a resumed or retried hand-off sends the same id again. */
  fulfilmentRequestId: string;
  orderId: string;
  items: { sku: string; name: string; quantity: number }[];
  shippingAddress: unknown;
  customerEmail: string;
  paidAt: string;
}

export async function sendFulfilmentRequest(request: FulfilmentRequest): Promise<string> {
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: config.fulfilmentRequestsQueueUrl,
      MessageBody: JSON.stringify(request),
      MessageAttributes: { orderId: { DataType: 'String', StringValue: request.orderId } },
    }),
  );
  return MessageId ?? '';
}
