/**
 * Dead-letter queues through SQS's API: read without consuming (receive with a short visibility
 * timeout, then ChangeMessageVisibility to 0 so the messages are visible again at once) and redrive
 * one message to the queue it came from (send it there, then delete it from the DLQ).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { ConsoleTarget } from '../target';

export interface DlqMessage {
  queue: string;
  sourceQueue: string;
  messageId: string;
  body: string;
  orderIds: string[];
  sentAt?: string;
  receiveCount?: number;
}

export interface DlqView {
  queue: string;
  sourceQueue: string;
  depth: number;
  messages: DlqMessage[];
}

const urls = new WeakMap<ConsoleTarget, Map<string, string>>();

export async function queueUrl(target: ConsoleTarget, short: string): Promise<string> {
  let known = urls.get(target);
  if (!known) urls.set(target, (known = new Map()));
  let url = known.get(short);
  if (!url) {
    url = (await target.sqs.send(new GetQueueUrlCommand({ QueueName: target.names.queueName(short) }))).QueueUrl!;
    known.set(short, url);
  }
  return url;
}

/** Held invisible while peeking: long enough for a few receive rounds, short if the console dies mid-peek. */
const PEEK_VISIBILITY_SECONDS = 10;
const MAX_PEEK_ROUNDS = 10;

function orderIdsIn(body: string): string[] {
  return [...new Set(body.match(/ord_[A-Za-z0-9_-]{22}/g) ?? [])];
}

/** Receives every message it can (up to 100), holding them, then calls `use` and releases those it did not delete. */
async function holding<T>(target: ConsoleTarget, url: string, use: (messages: Message[]) => Promise<{ result: T; deleted?: Set<string> }>): Promise<T> {
  const held = new Map<string, Message>();
  try {
    for (let round = 0; round < MAX_PEEK_ROUNDS; round += 1) {
      const { Messages = [] } = await target.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
      const fresh = Messages.filter((message) => !held.has(message.MessageId!));
      for (const message of fresh) held.set(message.MessageId!, message);
      if (!fresh.length) break;
    }
    const { result, deleted } = await use([...held.values()]);
    for (const id of deleted ?? []) held.delete(id);
    return result;
  } finally {
    const entries = [...held.values()].map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
    for (let i = 0; i < entries.length; i += 10) {
      await target.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries.slice(i, i + 10) }));
    }
  }
}

function view(queue: string, sourceQueue: string, message: Message): DlqMessage {
  const body = message.Body ?? '';
  return {
    queue,
    sourceQueue,
    messageId: message.MessageId!,
    body,
    orderIds: orderIdsIn(body),
    sentAt: message.Attributes?.SentTimestamp ? new Date(Number(message.Attributes.SentTimestamp)).toISOString() : undefined,
    receiveCount: message.Attributes?.ApproximateReceiveCount ? Number(message.Attributes.ApproximateReceiveCount) : undefined,
  };
}

export async function peekDlqs(target: ConsoleTarget): Promise<DlqView[]> {
  return Promise.all(
    Object.entries(target.names.dlqs).map(async ([queue, sourceQueue]) => {
      const url = await queueUrl(target, queue);
      const { Attributes } = await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
      const messages = await holding(target, url, async (held) => ({ result: held.map((message) => view(queue, sourceQueue, message)) }));
      return { queue, sourceQueue, depth: Number(Attributes?.ApproximateNumberOfMessages ?? 0), messages };
    }),
  );
}

export class RedriveError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Moves one DLQ message back to its source queue: sent there first, then deleted, so a crash between duplicates it rather than losing it. */
export async function redrive(target: ConsoleTarget, queue: string, messageId: string): Promise<{ sourceQueue: string; newMessageId: string }> {
  const sourceQueue = target.names.dlqs[queue];
  if (!sourceQueue) throw new RedriveError(400, 'UNKNOWN_QUEUE', `${queue} is not a dead-letter queue of this stage (${Object.keys(target.names.dlqs).join(', ')})`);
  const dlqUrl = await queueUrl(target, queue);
  const sourceUrl = await queueUrl(target, sourceQueue);
  return holding(target, dlqUrl, async (held) => {
    const message = held.find((candidate) => candidate.MessageId === messageId);
    if (!message) throw new RedriveError(404, 'MESSAGE_NOT_FOUND', `No message ${messageId} in ${queue} (already redriven, or held by another reader)`);
    const sent = await target.sqs.send(new SendMessageCommand({ QueueUrl: sourceUrl, MessageBody: message.Body!, MessageAttributes: message.MessageAttributes }));
    await target.sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle! }));
    return { result: { sourceQueue, newMessageId: sent.MessageId! }, deleted: new Set([messageId]) };
  });
}
