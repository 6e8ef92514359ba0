import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/**
 * Stands in for DynamoDBPersistenceLayer (handlers take their persistence store as a parameter),
 * with the same conditional-put semantics: a live COMPLETED or IN_PROGRESS record refuses the put.
 */
export class InMemoryPersistenceLayer extends BasePersistenceLayer {
  static readonly records = new Map<string, IdempotencyRecord>();

  constructor(_options?: unknown) {
    super();
  }

  static reset(): void {
    InMemoryPersistenceLayer.records.clear();
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = InMemoryPersistenceLayer.records.get(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError('Item does not exist in persistence store');
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = InMemoryPersistenceLayer.records.get(record.idempotencyKey);
    if (existing) {
      const status = existing.getStatus();
      const inProgressAlive =
        status === 'INPROGRESS' &&
        (existing.inProgressExpiryTimestamp === undefined || existing.inProgressExpiryTimestamp > Date.now());
      if (status === 'COMPLETED' || inProgressAlive) {
        throw new IdempotencyItemAlreadyExistsError(`Record exists: ${record.idempotencyKey}`, existing);
      }
    }
    InMemoryPersistenceLayer.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const existing = InMemoryPersistenceLayer.records.get(record.idempotencyKey);
    // saveSuccess builds a record without the payload hash; keep the one stored with the put.
    const payloadHash = record.payloadHash ?? existing?.payloadHash;
    InMemoryPersistenceLayer.records.set(
      record.idempotencyKey,
      new IdempotencyRecord({
        idempotencyKey: record.idempotencyKey,
        status: record.getStatus(),
        expiryTimestamp: record.expiryTimestamp,
        inProgressExpiryTimestamp: record.inProgressExpiryTimestamp,
        responseData: record.responseData,
        payloadHash,
      }),
    );
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    InMemoryPersistenceLayer.records.delete(record.idempotencyKey);
  }
}
