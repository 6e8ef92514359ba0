/** Domain errors reach HTTP clients by class: a rename of an error's name cannot change an answer. */
import { toErrorResult } from '../../../src/commons/http';
import { logger } from '../../../src/commons/logger';
import { DomainError, InvalidCart, InvalidOrderState, OutOfStock, UnknownSku, UnsupportedCountry } from '../../../src/domain/errors';

logger.setLogLevel('SILENT');

const answer = (error: unknown) => {
  const result = toErrorResult(error);
  return { status: result.statusCode, code: JSON.parse(result.body as string).error.code };
};

test.each([
  [new UnknownSku(['X']), 400, 'UNKNOWN_SKU'],
  [new UnsupportedCountry('ZZ'), 400, 'UNSUPPORTED_COUNTRY'],
  [new InvalidCart('too many lines'), 400, 'INVALID_CART'],
  [new InvalidOrderState('Order cannot go from COMPLETED to CANCELED'), 409, 'INVALID_ORDER_STATE'],
])('%p -> %i %s', (error, status, code) => {
  expect(answer(error)).toEqual({ status, code });
});

test('the mapping follows the class, not the name: a renamed error keeps its answer', () => {
  const renamed = new UnknownSku(['X']);
  renamed.name = 'SomethingElse';
  expect(answer(renamed)).toEqual({ status: 400, code: 'UNKNOWN_SKU' });
});

test('a DomainError that merely carries a mapped name is not mapped: a 500 that says nothing internal', () => {
  const impostor = new DomainError('UnknownSku', 'internal detail');
  const result = toErrorResult(impostor);
  expect(result.statusCode).toBe(500);
  expect(result.body).not.toContain('internal detail');
});

test('domain errors without an HTTP meaning (OutOfStock is the saga\'s) are a 500', () => {
  expect(answer(new OutOfStock('SKU', 2, 1))).toEqual({ status: 500, code: 'INTERNAL_ERROR' });
});

test('a domain error keeps the error that caused it', () => {
  const refusal = new Error('The conditional request failed');
  expect(new InvalidOrderState('refused', {}, { cause: refusal }).cause).toBe(refusal);
  expect(new OutOfStock('SKU', 2, 1, { cause: refusal }).cause).toBe(refusal);
});
