/**
 * SNS -> Lambda deliveries, and a record of every message published to a topic.
 *
 * fauxqs accepts `lambda` subscriptions but only ever delivers to SQS. So each function
 * subscription is made twice: a real `lambda` subscription (its ARN becomes the records'
 * EventSubscriptionArn and shows in ListSubscriptionsByTopic, as on AWS) and a private SQS queue
 * subscribed to the topic with the SNS JSON envelope (not raw), polled and converted into the
 * event AWS gives a function: {Records: [{EventSource: 'aws:sns', EventVersion, EventSubscriptionArn,
 * Sns: {Type: 'Notification', MessageId, TopicArn, Subject, Message, Timestamp, ...}}]}, one
 * message per invocation.
 *
 * Retries: SNS invokes functions asynchronously and Lambda retries a failed async invocation
 * twice. Locally a failed delivery is retried after `retryDelaySeconds` (AWS: about 1 then 2
 * minutes), and after `maxAttempts` attempts the private queue's RedrivePolicy moves it to a
 * private DLQ (`failedQueueUrl` of each subscription), where it stays for inspection.
 *
 * The record: one more private queue per topic, never consumed; fauxqs's inspection endpoint lists
 * what it holds, so messagesPublishedTo() is exact as soon as Publish has returned.
 */
import { createHash } from 'node:crypto';
import { SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent, SNSEventRecord, SNSMessageAttributes } from 'aws-lambda';
import { startSqsEventSource, type SqsEventSource } from './sqs-event-source';

/** The JSON envelope SNS puts in an SQS message body (non-raw delivery). */
interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string | null;
  Message: string;
  Timestamp: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  UnsubscribeURL?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject: string | null;
  message: string;
  timestamp: string;
  messageAttributes: Record<string, { Type: string; Value: string }>;
}

function topicNameOf(topicArn: string): string {
  return topicArn.split(':').pop() ?? topicArn;
}

/** Private queue names: readable, within SQS's 80 characters, unique per purpose and topic. */
function privateQueueName(purpose: string, topicArn: string, functionKey = ''): string {
  const digest = createHash('sha1').update(`${purpose}|${topicArn}|${functionKey}`).digest('hex').slice(0, 8);
  const fifo = topicArn.endsWith('.fifo');
  const readable = `local-${purpose}-${functionKey ? `${functionKey}-` : ''}${topicNameOf(topicArn).replace(/\.fifo$/, '')}`;
  return `${readable.slice(0, 80 - 10 - (fifo ? 5 : 0))}-${digest}${fifo ? '.fifo' : ''}`;
}

async function createPrivateQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}) {
  const fifo = name.endsWith('.fifo') ? { FifoQueue: 'true' } : {};
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { ...fifo, ...attributes } }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { queueUrl: QueueUrl!, queueArn: Attributes!.QueueArn! };
}

async function subscribe(sns: SNSClient, topicArn: string, protocol: string, endpoint: string): Promise<string> {
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: protocol, Endpoint: endpoint, ReturnSubscriptionArn: true }));
  return SubscriptionArn!;
}

export function snsEnvelopeToLambdaRecord(envelope: SnsEnvelope, subscriptionArn: string): SNSEventRecord {
  const region = envelope.TopicArn.split(':')[3] ?? 'us-east-1';
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: subscriptionArn,
    Sns: {
      Type: envelope.Type,
      MessageId: envelope.MessageId,
      TopicArn: envelope.TopicArn,
      // AWS gives null, not a missing key, when the publisher set no subject.
      Subject: (envelope.Subject ?? null) as string,
      Message: envelope.Message,
      Timestamp: envelope.Timestamp,
      SignatureVersion: envelope.SignatureVersion ?? '1',
      Signature: envelope.Signature ?? 'EXAMPLE',
      // The Lambda event spells these ...Url where the SQS envelope spells them ...URL.
      SigningCertUrl: envelope.SigningCertURL ?? `https://sns.${region}.amazonaws.com/SimpleNotificationService-local.pem`,
      UnsubscribeUrl: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
      MessageAttributes: (envelope.MessageAttributes ?? {}) as SNSMessageAttributes,
    },
  };
}

export interface SnsFunctionSubscription {
  /** serverless.yml function key, passed back to `invoke`. */
  functionKey: string;
  functionArn: string;
  topicArn: string;
  /** How long one invocation may take before the message could be delivered twice (the function's timeout). */
  timeoutSeconds: number;
}

export interface SnsLambdaDeliveriesOptions {
  sqs: SQSClient;
  sns: SNSClient;
  subscriptions: SnsFunctionSubscription[];
  invoke: (functionKey: string, event: SNSEvent) => Promise<unknown>;
  region?: string;
  retryDelaySeconds?: number;
  maxAttempts?: number;
  pollWaitSeconds?: number;
  onDeliveryError?: (functionKey: string, error: Error) => void;
}

export interface SnsLambdaDeliveries {
  subscriptions: Array<SnsFunctionSubscription & { subscriptionArn: string; queueUrl: string; failedQueueUrl: string }>;
  stop(): Promise<void>;
}

export async function startSnsLambdaDeliveries(options: SnsLambdaDeliveriesOptions): Promise<SnsLambdaDeliveries> {
  const { sqs, sns, invoke } = options;
  const retryDelaySeconds = options.retryDelaySeconds ?? 1;
  const maxAttempts = options.maxAttempts ?? 3;
  const sources: SqsEventSource[] = [];
  const started: SnsLambdaDeliveries['subscriptions'] = [];
  try {
    for (const subscription of options.subscriptions) {
      const subscriptionArn = await subscribe(sns, subscription.topicArn, 'lambda', subscription.functionArn);
      const failed = await createPrivateQueue(sqs, privateQueueName('sns-failed', subscription.topicArn, subscription.functionKey));
      const delivery = await createPrivateQueue(sqs, privateQueueName('sns-to', subscription.topicArn, subscription.functionKey), {
        // Longer than one invocation, so a slow one is not delivered a second time meanwhile.
        VisibilityTimeout: String(Math.ceil(subscription.timeoutSeconds) + 1),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: failed.queueArn, maxReceiveCount: maxAttempts }),
      });
      await subscribe(sns, subscription.topicArn, 'sqs', delivery.queueArn);
      const source = await startSqsEventSource({
        sqs,
        queueUrl: delivery.queueUrl,
        queueArn: delivery.queueArn,
        batchSize: 1,
        region: options.region,
        pollWaitSeconds: options.pollWaitSeconds,
        invoke: async (sqsEvent) => {
          const envelope = JSON.parse(sqsEvent.Records[0].body) as SnsEnvelope;
          try {
            return await invoke(subscription.functionKey, { Records: [snsEnvelopeToLambdaRecord(envelope, subscriptionArn)] });
          } catch (error) {
            options.onDeliveryError?.(subscription.functionKey, error as Error);
            // Retry sooner than the visibility timeout: Lambda's async retry, compressed.
            await sqs.send(
              new ChangeMessageVisibilityCommand({ QueueUrl: delivery.queueUrl, ReceiptHandle: sqsEvent.Records[0].receiptHandle, VisibilityTimeout: retryDelaySeconds }),
            );
            throw error;
          }
        },
      });
      sources.push(source);
      started.push({ ...subscription, subscriptionArn, queueUrl: delivery.queueUrl, failedQueueUrl: failed.queueUrl });
    }
  } catch (error) {
    await Promise.all(sources.map((source) => source.stop()));
    throw error;
  }
  return {
    subscriptions: started,
    stop: async () => {
      await Promise.all(sources.map((source) => source.stop()));
    },
  };
}

export interface TopicRecorder {
  /** Every message published to `topicArn` since the recorder started, oldest first. */
  messagesPublishedTo(topicArn: string): Promise<PublishedMessage[]>;
}

/**
 * Subscribes a never-consumed private queue to each topic. `fauxqsEndpoint` serves the
 * /_fauxqs/queues/<name> inspection endpoint that lists a queue's messages without receiving them.
 */
export async function startTopicRecorder({ sqs, sns, fauxqsEndpoint, topicArns }: { sqs: SQSClient; sns: SNSClient; fauxqsEndpoint: string; topicArns: string[] }): Promise<TopicRecorder> {
  const recordQueues = new Map<string, string>();
  for (const topicArn of topicArns) {
    const name = privateQueueName('published', topicArn);
    const queue = await createPrivateQueue(sqs, name);
    await subscribe(sns, topicArn, 'sqs', queue.queueArn);
    recordQueues.set(topicArn, name);
  }
  return {
    async messagesPublishedTo(topicArn) {
      const name = recordQueues.get(topicArn);
      if (!name) throw new Error(`no record is kept for ${topicArn}; recorded topics: ${[...recordQueues.keys()].join(', ')}`);
      const response = await fetch(`${fauxqsEndpoint}/_fauxqs/queues/${encodeURIComponent(name)}`);
      if (!response.ok) throw new Error(`fauxqs inspection of ${name} answered ${response.status}`);
      const { messages } = (await response.json()) as { messages: { ready: Array<{ body: string }>; delayed: Array<{ body: string }>; inflight: Array<{ message: { body: string } }> } };
      const bodies = [...messages.ready, ...messages.delayed, ...messages.inflight.map((entry) => entry.message)].map((message) => JSON.parse(message.body) as SnsEnvelope);
      return bodies
        .map((envelope) => ({
          messageId: envelope.MessageId,
          topicArn: envelope.TopicArn,
          subject: envelope.Subject ?? null,
          message: envelope.Message,
          timestamp: envelope.Timestamp,
          messageAttributes: envelope.MessageAttributes ?? {},
        }))
        .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    },
  };
}
