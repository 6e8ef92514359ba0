import type { SNSEvent } from 'aws-lambda';
import * as secrets from '../../src/adapters/secrets';
import { withLogging } from '../../src/commons/logger';
import { createNotifySlack } from '../../src/use-cases/events/notify-slack';

const notifySlack = createNotifySlack({ secrets, fetch: (...args) => fetch(...args) });

export const handler = withLogging(async (event: SNSEvent) => {
  for (const record of event.Records) await notifySlack(record.Sns.Message, record.Sns.Subject ?? undefined);
});
