import { DomainError, OrderCanceled, OutOfStock, UnknownSku, UnsupportedCountry } from '../../../src/domain/errors';

// The message is what the customer reads: OutOfStock becomes the order's failureReason, the others the HTTP error message.
describe('domain errors', () => {
  test('OutOfStock names the SKU and both quantities', () => {
    const error = new OutOfStock('MUG', 3, 1);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.name).toBe('OutOfStock');
    expect(error.message).toBe('Not enough stock for MUG: requested 3, available 1');
    expect(error.details).toEqual({ sku: 'MUG', requested: 3, available: 1 });
  });

  test('OutOfStock for a SKU with no stock record says 0 available', () => {
    const error = new OutOfStock('MUG', 2, undefined);
    expect(error.message).toBe('Not enough stock for MUG: requested 2, available 0');
    expect(error.details).toEqual({ sku: 'MUG', requested: 2, available: 0 });
  });

  test('UnknownSku lists the SKUs separated by commas', () => {
    expect(new UnknownSku(['NOPE-1', 'NOPE-2']).message).toBe('Unknown SKU: NOPE-1, NOPE-2');
  });

  test('UnsupportedCountry names the country', () => {
    expect(new UnsupportedCountry('JP').message).toBe('We do not ship to JP');
  });

  test('OrderCanceled is named for the ASL Catch that routes it to the compensation', () => {
    const error = new OrderCanceled('ord_1');
    expect(error.name).toBe('OrderCanceled');
    expect(error.message).toBe('Order ord_1 was cancelled by the customer');
  });
});
