/**
 * Lambda's SQS event source mapping, locally: polls a queue, hands batches to a function in the
 * event shape AWS uses, and deletes what the function processed.
 *
 * - Success: the whole batch is deleted.
 * - functionResponseType ReportBatchItemFailures: all but `batchItemFailures[].itemIdentifier` are
 *   deleted; a response naming an id that is not in the batch (or an empty id) fails the whole
 *   batch, as on AWS.
 * - A thrown error: nothing is deleted; the messages reappear after the queue's visibility timeout
 *   and the queue's own RedrivePolicy (enforced by fauxqs on receive) moves them to the DLQ after
 *   maxReceiveCount receives.
 *
 * Differences from AWS: one poller per queue, so batches of one queue run one after another
 * (AWS runs several concurrently); receives use short long-polls (pollWaitSeconds, default 1 s)
 * instead of 20 s, so stop() returns within about a second without aborting a request (an aborted
 * long poll would leave a waiter in fauxqs that can take a message and lose its response).
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** eventSourceARN of the records; looked up when omitted. */
  queueArn?: string;
  /** 1-10000 as on AWS (default 10). */
  batchSize?: number;
  /** Collect up to this long for a fuller batch (default 0). */
  maximumBatchingWindowSeconds?: number;
  functionResponseType?: 'ReportBatchItemFailures';
  invoke: (event: SQSEvent) => Promise<unknown>;
  region?: string;
  pollWaitSeconds?: number;
  /** After each batch: which message ids were deleted and which were left for redelivery. */
  onBatch?: (report: BatchReport) => void;
  /** Receive/delete failures (the poller keeps going). */
  onPollerError?: (error: Error) => void;
  /**
   * Asked once per batch: `DuplicateDelivery` hands the batch to the function a second time (SQS
   * delivers at least once); `ReturnedBeforeDelete` applies it but skips the delete, so the messages
   * come back after the visibility timeout, as when a consumer's delete is lost.
   */
  deliveryFault?: () => DeliveryFault | undefined;
}

export type DeliveryFault = 'DuplicateDelivery' | 'ReturnedBeforeDelete';

export interface BatchReport {
  queueUrl: string;
  messageIds: string[];
  deleted: string[];
  left: string[];
  error?: Error;
}

export interface SqsEventSource {
  queueArn: string;
  /** Stops polling and resolves once the batch in flight (if any) has been handled. */
  stop(): Promise<void>;
}

/** The message attributes as Lambda writes them into a record (lower camel case, base64 binaries). */
function toRecordAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const base64 = (value: Uint8Array) => Buffer.from(value).toString('base64');
  const result: SQSMessageAttributes = {};
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    result[name] = {
      stringValue: attribute.StringValue,
      binaryValue: attribute.BinaryValue ? base64(attribute.BinaryValue) : undefined,
      stringListValues: attribute.StringListValues ?? [],
      binaryListValues: (attribute.BinaryListValues ?? []).map(base64),
      dataType: attribute.DataType ?? 'String',
    };
  }
  return result;
}

export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const record: SQSRecord = {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
    },
    messageAttributes: toRecordAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/** Which message ids to leave in the queue, per AWS's rules for ReportBatchItemFailures. */
export function failedItemIds(response: unknown, batchIds: string[]): string[] {
  const failures = (response as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return batchIds;
  const ids = failures.map((failure) => (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier);
  // An empty, missing or unknown identifier makes Lambda treat the whole batch as failed.
  if (ids.some((id) => typeof id !== 'string' || !batchIds.includes(id))) return batchIds;
  return [...new Set(ids as string[])];
}

export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<SqsEventSource> {
  const { sqs, queueUrl, invoke, onBatch, onPollerError } = options;
  const batchSize = options.batchSize ?? 10;
  const windowMs = (options.maximumBatchingWindowSeconds ?? 0) * 1000;
  const pollWaitSeconds = options.pollWaitSeconds ?? 1;
  const region = options.region ?? 'us-east-1';
  const queueArn =
    options.queueArn ??
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ??
    queueUrl;
  let stopped = false;

  const receive = async (maxMessages: number, waitSeconds: number): Promise<Message[]> => {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, maxMessages),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  };

  /** One receive; then, with a batching window, more until the batch is full or the window closes. */
  const collectBatch = async (): Promise<Message[]> => {
    const batch = await receive(batchSize, pollWaitSeconds);
    if (batch.length === 0 || windowMs === 0) return batch;
    const windowEnd = Date.now() + windowMs;
    while (!stopped && batch.length < batchSize && Date.now() < windowEnd) {
      // Whole seconds only (SQS); rounding up keeps this from spinning on empty short polls.
      const waitSeconds = Math.min(20, Math.ceil((windowEnd - Date.now()) / 1000));
      batch.push(...(await receive(batchSize - batch.length, waitSeconds)));
    }
    return batch;
  };

  const deleteMessages = async (messages: Message[]) => {
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      const { Failed } = await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })) }),
      );
      if (Failed?.length) onPollerError?.(new Error(`could not delete ${Failed.length} message(s) from ${queueUrl}: ${Failed[0].Message}`));
    }
  };

  const handleBatch = async (messages: Message[]) => {
    const messageIds = messages.map((message) => message.MessageId!);
    const fault = options.deliveryFault?.();
    let left: string[] = [];
    let error: Error | undefined;
    for (let delivery = fault === 'DuplicateDelivery' ? 2 : 1; delivery > 0; delivery--) {
      try {
        const response = await invoke({ Records: messages.map((message) => toSqsRecord(message, queueArn, region)) });
        const failed = options.functionResponseType === 'ReportBatchItemFailures' ? failedItemIds(response, messageIds) : [];
        left = [...new Set([...left, ...failed])];
      } catch (thrown) {
        error = thrown instanceof Error ? thrown : new Error(String(thrown));
        left = messageIds;
      }
    }
    const toDelete = fault === 'ReturnedBeforeDelete' ? [] : messages.filter((message) => !left.includes(message.MessageId!));
    await deleteMessages(toDelete);
    onBatch?.({ queueUrl, messageIds, deleted: toDelete.map((message) => message.MessageId!), left, error });
  };

  const poll = async () => {
    while (!stopped) {
      try {
        const batch = await collectBatch();
        if (batch.length > 0) await handleBatch(batch);
      } catch (error) {
        onPollerError?.(error instanceof Error ? error : new Error(String(error)));
        // The queue or the server is gone (e.g. during shutdown): pace the retries.
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const polling = poll();

  return {
    queueArn,
    stop: async () => {
      stopped = true;
      await polling;
    },
  };
}
