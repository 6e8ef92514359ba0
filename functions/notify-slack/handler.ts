import type { SNSEvent } from 'aws-lambda';
import { withLogging } from '../../src/commons/logger';
import { notifySlack } from '../../src/use-cases/events/notify-slack';

export const handler = withLogging(async (event: SNSEvent) => {
  for (const record of event.Records) await notifySlack(record.Sns.Message, record.Sns.Subject ?? undefined);
});
