import { PublishCommand } from '@aws-sdk/client-sns';
import { config } from '../commons/config';
import { alertSubject, type OpsAlert } from '../domain/ops-alert';
import { sns } from './clients/sns';

export async function publishOpsAlert(alert: OpsAlert): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: config.opsAlertsTopicArn,
      Subject: alertSubject(alert),
      Message: JSON.stringify(alert),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: alert.type },
        orderId: { DataType: 'String', StringValue: alert.orderId },
      },
    }),
  );
}
