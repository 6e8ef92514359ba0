/**
 * fauxqs really started; queues and a topic created by provisionResources from a small fixture
 * template (short visibility timeouts keep redelivery tests fast); the SQS event source and the
 * SNS deliveries driven against it.
 */
import { createHash } from 'node:crypto';
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createIntrinsicResolver, type PhysicalIds } from '../../../local/cloudformation/intrinsics';
import { provisionResources } from '../../../local/cloudformation/provision';
import { servicePhysicalIds } from '../../../local/cloudformation/service-physical-ids';
import { createLambdaRuntime, type LambdaRuntime } from '../../../local/lambda/invoker';
import { startFauxqs, type Fauxqs } from '../../../local/messaging/fauxqs';
import { startFunctionEventSources, type FunctionEventSources } from '../../../local/messaging/function-event-sources';
import { startTopicRecorder } from '../../../local/messaging/sns-deliveries';
import { failedItemIds, startSqsEventSource, type BatchReport, type SqsEventSource } from '../../../local/messaging/sqs-event-source';
import type { CfnResource } from '../../../local/serverless-config/load-service';
import { pollUntil } from '../../support/poll';
import { fixtureFunction, fixtureService, REPO_ROOT } from './fixtures/fixture-service';
import { recorderFixture } from './fixtures/handlers/recorder';

const queue = (name: string, extra: Record<string, unknown> = {}): CfnResource => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name, ...extra } });
const redriveTo = (dlq: string, maxReceiveCount: number) => ({ RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount } });

/** Listed dependents first, to prove provisionResources orders by reference. */
const FIXTURE_RESOURCES: Record<string, CfnResource> = {
  PoisonQueue: queue('fixture-poison', { VisibilityTimeout: 1, ...redriveTo('PoisonDLQ', 2) }),
  PoisonDLQ: queue('fixture-poison-dlq', { MessageRetentionPeriod: 1209600 }),
  BatchQueue: queue('fixture-batch', { VisibilityTimeout: 30 }),
  SmallBatchQueue: queue('fixture-small-batch'),
  PartialQueue: queue('fixture-partial', { VisibilityTimeout: 1, ...redriveTo('PartialDLQ', 5) }),
  PartialDLQ: queue('fixture-partial-dlq'),
  IdleQueue: queue('fixture-idle'),
  FifoQueue: queue('fixture-orders.fifo', { FifoQueue: true, ContentBasedDeduplication: true }),
  AlertsTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'fixture-alerts', DisplayName: 'alerts' } },
  AlertsTopicPolicy: { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [{ Ref: 'AlertsTopic' }], PolicyDocument: {} } },
  Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: 'a', AlarmActions: [{ Ref: 'AlertsTopic' }] } },
};

let fauxqs: Fauxqs;
let sqs: SQSClient;
let sns: SNSClient;
let physicalIds: PhysicalIds;
let notes: string[];
const sources: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  fauxqs = await startFauxqs();
  const config = { endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  sqs = new SQSClient(config);
  sns = new SNSClient(config);
  ({ physicalIds, notes } = await provisionResources(FIXTURE_RESOURCES, { sqs, sns, dynamodb: undefined as never }, { stackName: 'fixture-local' }));
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
});

afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await fauxqs?.close();
});

const urlOf = (logicalId: string) => physicalIds[logicalId].ref;
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

async function sendBodies(queueUrl: string, bodies: string[]) {
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })) }));
}

async function eventSource(options: Omit<Parameters<typeof startSqsEventSource>[0], 'sqs'>): Promise<SqsEventSource> {
  const source = await startSqsEventSource({ sqs, ...options });
  sources.push(source);
  return source;
}

describe('provisionResources with fauxqs', () => {
  test('creates queues after their DLQs, with RedrivePolicy naming the DLQ ARN, and URLs on the endpoint', async () => {
    expect(urlOf('PoisonQueue')).toBe(`${fauxqs.endpoint}/000000000000/fixture-poison`);
    expect(physicalIds.PoisonDLQ.attributes.Arn).toBe('arn:aws:sqs:us-east-1:000000000000:fixture-poison-dlq');
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('PoisonQueue'), AttributeNames: ['All'] }));
    expect(Attributes?.VisibilityTimeout).toBe('1');
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:fixture-poison-dlq', maxReceiveCount: 2 });
    const fifo = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('FifoQueue'), AttributeNames: ['All'] }));
    expect(fifo.Attributes).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    expect(physicalIds.AlertsTopic.ref).toBe('arn:aws:sns:us-east-1:000000000000:fixture-alerts');
  });

  test('notes, one line each, what it did not create or emulate', () => {
    expect(notes).toEqual(
      expect.arrayContaining([
        'AlertsTopicPolicy (AWS::SNS::TopicPolicy) skipped: access policies are not enforced locally',
        'Alarm (AWS::CloudWatch::Alarm) skipped: no CloudWatch locally',
        'PoisonDLQ: not emulated locally: MessageRetentionPeriod (stored; fauxqs never expires messages)',
      ]),
    );
  });
});

describe('SQS event source', () => {
  test('delivers a batch shaped as AWS sends it and deletes it after success', async () => {
    const events: SQSEvent[] = [];
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: urlOf('BatchQueue'),
        MessageBody: '{"n":0}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'commit' }, raw: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } },
      }),
    );
    await sendBodies(urlOf('BatchQueue'), ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    await eventSource({
      queueUrl: urlOf('BatchQueue'),
      batchSize: 10,
      maximumBatchingWindowSeconds: 1,
      invoke: async (event) => {
        events.push(event);
      },
    });
    const records = await pollUntil('5 records', () => {
      const all = events.flatMap((event) => event.Records);
      return all.length >= 5 ? all : undefined;
    });
    expect(records.map((record) => JSON.parse(record.body).n).sort()).toEqual([0, 1, 2, 3, 4]);
    const first = records.find((record) => record.body === '{"n":0}') as SQSRecord;
    expect(first).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:fixture-batch',
      awsRegion: 'us-east-1',
      md5OfBody: md5('{"n":0}'),
      attributes: { ApproximateReceiveCount: '1', SenderId: '000000000000' },
      messageAttributes: {
        kind: { stringValue: 'commit', stringListValues: [], binaryListValues: [], dataType: 'String' },
        raw: { binaryValue: Buffer.from('hi').toString('base64'), dataType: 'Binary' },
      },
    });
    expect(Number(first.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(Number(first.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(first.attributes.SentTimestamp));
    expect(first.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.receiptHandle).toBeTruthy();
    await pollUntil('the batch deleted', async () => ((await queueDepth(urlOf('BatchQueue'))) === 0 ? true : undefined));
  });

  test('never hands a function more than batchSize messages', async () => {
    const sizes: number[] = [];
    await sendBodies(urlOf('SmallBatchQueue'), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    await eventSource({
      queueUrl: urlOf('SmallBatchQueue'),
      batchSize: 3,
      invoke: async (event) => {
        sizes.push(event.Records.length);
      },
    });
    await pollUntil('7 messages delivered', () => (sizes.reduce((a, b) => a + b, 0) >= 7 ? true : undefined));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(7);
  });

  test('ReportBatchItemFailures: only the failed message comes back, after the visibility timeout', async () => {
    const deliveries: Array<{ body: string; receiveCount: string }> = [];
    const reports: BatchReport[] = [];
    await sendBodies(urlOf('PartialQueue'), ['ok-1', 'fails-once', 'ok-2']);
    let failedAlready = false;
    await eventSource({
      queueUrl: urlOf('PartialQueue'),
      batchSize: 10,
      // No batching window here: with a 1 s visibility timeout, a 1 s window would receive the
      // batch's own messages a second time (as it would on AWS with such a queue).
      functionResponseType: 'ReportBatchItemFailures',
      onBatch: (report) => reports.push(report),
      invoke: async (event) => {
        deliveries.push(...event.Records.map((record) => ({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount })));
        const failing = event.Records.filter((record) => record.body === 'fails-once' && !failedAlready);
        if (failing.length) failedAlready = true;
        return { batchItemFailures: failing.map((record) => ({ itemIdentifier: record.messageId })) };
      },
    });
    await pollUntil('the failed message redelivered', () => (deliveries.length >= 4 ? true : undefined), { timeoutMs: 8000 });
    expect(deliveries.slice(0, 3).map((d) => d.body).sort()).toEqual(['fails-once', 'ok-1', 'ok-2']);
    expect(deliveries.slice(3)).toEqual([{ body: 'fails-once', receiveCount: '2' }]);
    expect(reports[0].left).toHaveLength(1);
    expect(reports[0].deleted).toHaveLength(2);
    await pollUntil('queue empty', async () => ((await queueDepth(urlOf('PartialQueue'))) === 0 ? true : undefined));
  });

  test('a message that always fails reaches the DLQ after maxReceiveCount receives (fauxqs applies the RedrivePolicy)', async () => {
    const receiveCounts: string[] = [];
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('PoisonQueue'), MessageBody: 'poison' }));
    await eventSource({
      queueUrl: urlOf('PoisonQueue'),
      batchSize: 1,
      invoke: async (event) => {
        receiveCounts.push(event.Records[0].attributes.ApproximateReceiveCount);
        throw new Error('always fails');
      },
    });
    const inDlq = await pollUntil(
      'the message in the DLQ',
      async () => {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: urlOf('PoisonDLQ'), WaitTimeSeconds: 1 }));
        return Messages?.length ? Messages : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(inDlq.map((message) => message.Body)).toEqual(['poison']);
    expect(receiveCounts).toEqual(['1', '2']);
    expect(await queueDepth(urlOf('PoisonQueue'))).toBe(0);
  });

  test('stop() returns promptly while idle and waits for the batch in flight', async () => {
    const idle = await eventSource({ queueUrl: urlOf('IdleQueue'), invoke: async () => undefined });
    const stoppingAt = Date.now();
    await idle.stop();
    // The idle long poll (up to 20 s) is aborted, not waited out; the bound leaves a loaded machine 15 s.
    expect(Date.now() - stoppingAt).toBeLessThan(15_000);

    let finished = false;
    let started = false;
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('IdleQueue'), MessageBody: 'slow' }));
    const busy = await eventSource({
      queueUrl: urlOf('IdleQueue'),
      invoke: async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      },
    });
    await pollUntil('the batch started', () => (started ? true : undefined));
    await busy.stop();
    expect(finished).toBe(true);
    expect(await queueDepth(urlOf('IdleQueue'))).toBe(0);
  });

  test('FIFO queues deliver in order within a message group', async () => {
    // Collected, then asserted here: an assertion inside `invoke` would only turn into a redelivery.
    const records: Array<{ body: string; groupId: string | undefined }> = [];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: urlOf('FifoQueue'),
        Entries: ['1', '2', '3'].map((n) => ({ Id: n, MessageBody: `m${n}`, MessageGroupId: 'order-1' })),
      }),
    );
    await eventSource({
      queueUrl: urlOf('FifoQueue'),
      batchSize: 10,
      invoke: async (event) => {
        records.push(...event.Records.map((record) => ({ body: record.body, groupId: record.attributes.MessageGroupId })));
      },
    });
    await pollUntil('3 FIFO messages', () => (records.length >= 3 ? true : undefined));
    expect(records).toEqual(['m1', 'm2', 'm3'].map((body) => ({ body, groupId: 'order-1' })));
  });

  test.each([
    [undefined, []],
    [null, []],
    [{}, []],
    [{ batchItemFailures: [] }, []],
    [{ batchItemFailures: [{ itemIdentifier: 'b' }] }, ['b']],
    [{ batchItemFailures: [{ itemIdentifier: 'zzz' }] }, ['a', 'b']],
    [{ batchItemFailures: [{ itemIdentifier: '' }] }, ['a', 'b']],
    [{ batchItemFailures: 'b' }, ['a', 'b']],
  ])('ReportBatchItemFailures response %j leaves %j in the queue (AWS rules)', (response, left) => {
    expect(failedItemIds(response, ['a', 'b'])).toEqual(left);
  });
});

describe('SNS deliveries to functions', () => {
  const service = fixtureService({
    alertsSubscriber: fixtureFunction('recorder', { events: [{ sns: { arn: { Ref: 'AlertsTopic' }, topicName: 'fixture-alerts' } }] }),
    flakySubscriber: fixtureFunction('recorder', { timeout: 2, events: [{ sns: { arn: { Ref: 'AlertsTopic' } } }] }),
  });
  let lambda: LambdaRuntime;
  let eventSources: FunctionEventSources;

  beforeAll(async () => {
    const known = servicePhysicalIds(service);
    const resolve = createIntrinsicResolver({ physicalIds: { ...physicalIds, ...known.physicalIds }, aliases: known.aliases });
    lambda = createLambdaRuntime({ service, root: REPO_ROOT, environment: {}, faults: '' });
    eventSources = await startFunctionEventSources({ service, resolve, sqs, sns, lambda, snsRetryDelaySeconds: 1 });
  });
  afterAll(async () => {
    await eventSources?.stop();
    lambda?.close();
  });

  test('a published message reaches each subscribed function with the AWS event shape, and is recorded', async () => {
    const topicArn = physicalIds.AlertsTopic.ref;
    const recorder = await startTopicRecorder({ sqs, sns, fauxqsEndpoint: fauxqs.endpoint, topicArns: [topicArn] });
    recorderFixture.responders['fixture-local-flakySubscriber'] = () => {
      throw new Error('Slack is down');
    };
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'Order needs attention',
        Message: JSON.stringify({ orderId: 'o-1' }),
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' } },
      }),
    );
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'no subject' }));

    const received = await pollUntil('both messages at alertsSubscriber', () => {
      const events = recorderFixture.invocations.filter((invocation) => invocation.functionName === 'fixture-local-alertsSubscriber');
      return events.length >= 2 ? events.map((invocation) => invocation.event) : undefined;
    });
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    const lambdaSubscription = Subscriptions?.find((subscription) => subscription.Protocol === 'lambda' && subscription.Endpoint === lambda.arnOf('alertsSubscriber'));
    expect(lambdaSubscription?.SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:fixture-alerts:/);

    const withSubject = received.find((event) => event.Records[0].Sns.MessageId === MessageId);
    expect(withSubject.Records).toHaveLength(1);
    expect(withSubject.Records[0]).toEqual({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: lambdaSubscription!.SubscriptionArn,
      Sns: {
        Type: 'Notification',
        MessageId,
        TopicArn: topicArn,
        Subject: 'Order needs attention',
        Message: '{"orderId":"o-1"}',
        Timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        SignatureVersion: '1',
        Signature: expect.any(String),
        SigningCertUrl: expect.stringMatching(/^https:\/\//),
        UnsubscribeUrl: expect.stringContaining(lambdaSubscription!.SubscriptionArn!),
        MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
      },
    });
    expect(received.find((event) => event.Records[0].Sns.Message === 'no subject').Records[0].Sns.Subject).toBeNull();

    const published = await recorder.messagesPublishedTo(topicArn);
    expect(published.map((message) => [message.messageId === MessageId, message.subject])).toEqual([
      [true, 'Order needs attention'],
      [false, null],
    ]);
  });

  test('a failing subscriber is retried, then the delivery is parked in its failed-deliveries queue', async () => {
    const flaky = eventSources.sns.subscriptions.find((subscription) => subscription.functionKey === 'flakySubscriber')!;
    await pollUntil(
      'the flaky deliveries parked',
      async () => {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: flaky.failedQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
        return Attributes?.ApproximateNumberOfMessages === '2' ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
    const attempts = recorderFixture.invocations.filter((invocation) => invocation.functionName === 'fixture-local-flakySubscriber');
    // Two messages, three attempts each (Lambda's async invocation: the first try and two retries).
    expect(attempts).toHaveLength(6);
  });
});
