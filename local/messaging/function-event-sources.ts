/**
 * Wires the `sqs` and `sns` events of serverless.yml's functions to the local Lambda runtime:
 * an SQS event source per `sqs` event (batchSize, maximumBatchingWindow, functionResponseType as
 * configured) and an SNS delivery per `sns` event.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Resolver } from '../cloudformation/intrinsics';
import type { ResolvedService } from '../serverless-config/load-service';
import { startSnsLambdaDeliveries, type SnsFunctionSubscription, type SnsLambdaDeliveries } from './sns-deliveries';
import { startSqsEventSource, type DeliveryFault, type SqsEventSource } from './sqs-event-source';

export interface FunctionEventSourcesOptions {
  service: ResolvedService;
  resolve: Resolver;
  sqs: SQSClient;
  sns: SNSClient;
  lambda: { invoke(functionKey: string, event: unknown): Promise<unknown>; arnOf(functionKey: string): string };
  region?: string;
  accountId?: string;
  /** SNS deliveries: delay before retrying a failed one (default 1 s). */
  snsRetryDelaySeconds?: number;
  onPollerError?: (source: string, error: Error) => void;
  /** Asked per batch of a function's SQS event source (the service faults): see SqsEventSourceOptions.deliveryFault. */
  deliveryFault?: (queueName: string) => DeliveryFault | undefined;
}

export interface FunctionEventSources {
  sqs: Array<{ functionKey: string; queueArn: string; source: SqsEventSource }>;
  sns: SnsLambdaDeliveries;
  stop(): Promise<void>;
}

function eventsOf(service: ResolvedService, type: 'sqs' | 'sns') {
  const found: Array<{ functionKey: string; config: Record<string, any> | string; at: string }> = [];
  for (const [functionKey, fn] of Object.entries(service.functions)) {
    (fn.events ?? []).forEach((event, index) => {
      if (event[type] !== undefined) found.push({ functionKey, config: event[type], at: `functions.${functionKey}.events[${index}].${type}` });
    });
  }
  return found;
}

export async function startFunctionEventSources(options: FunctionEventSourcesOptions): Promise<FunctionEventSources> {
  const { service, resolve, sqs, sns, lambda } = options;
  const region = options.region ?? service.provider.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const sqsSources: FunctionEventSources['sqs'] = [];
  const stopAll = () => Promise.all(sqsSources.map(({ source }) => source.stop()));

  try {
    for (const { functionKey, config, at } of eventsOf(service, 'sqs')) {
      const event = typeof config === 'string' ? { arn: config } : resolve<Record<string, any>>(config, at);
      if (event.enabled === false) continue;
      const queueArn = String(event.arn);
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueArn.split(':').pop() }));
      const source = await startSqsEventSource({
        sqs,
        queueUrl: QueueUrl!,
        queueArn,
        region,
        batchSize: event.batchSize ?? 10,
        maximumBatchingWindowSeconds: event.maximumBatchingWindow ?? 0,
        functionResponseType: event.functionResponseType,
        invoke: (sqsEvent) => lambda.invoke(functionKey, sqsEvent),
        onPollerError: (error) => options.onPollerError?.(`${functionKey} <- ${queueArn}`, error),
        deliveryFault: options.deliveryFault && (() => options.deliveryFault!(queueArn.split(':').pop()!)),
      });
      sqsSources.push({ functionKey, queueArn, source });
    }

    const subscriptions: SnsFunctionSubscription[] = eventsOf(service, 'sns').map(({ functionKey, config, at }) => {
      // `sns: <arn or topic name>` or `sns: {arn, topicName, ...}`.
      const event = typeof config === 'string' ? (config.startsWith('arn:') ? { arn: config } : { topicName: config }) : resolve<Record<string, any>>(config, at);
      const topicArn = event.arn ? String(event.arn) : `arn:aws:sns:${region}:${accountId}:${event.topicName}`;
      const fn = service.functions[functionKey];
      return { functionKey, functionArn: lambda.arnOf(functionKey), topicArn, timeoutSeconds: fn.timeout ?? service.provider.timeout ?? 6 };
    });
    const snsDeliveries = await startSnsLambdaDeliveries({
      sqs,
      sns,
      subscriptions,
      region,
      retryDelaySeconds: options.snsRetryDelaySeconds,
      invoke: (functionKey, event) => lambda.invoke(functionKey, event),
      onDeliveryError: (functionKey, error) => options.onPollerError?.(`sns -> ${functionKey}`, error),
    });

    return {
      sqs: sqsSources,
      sns: snsDeliveries,
      stop: async () => {
        await Promise.all([stopAll(), snsDeliveries.stop()]);
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
