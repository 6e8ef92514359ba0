import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { config } from '../commons/config';
import { documentClient } from './clients/dynamodb';

/** Powertools idempotency records (checkout Idempotency-Keys, Stripe event ids) in the idempotency table. */
export function idempotencyStore(): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({ tableName: config.idempotencyTable, awsSdkV3Client: documentClient });
}
