import shippingZones from '../../../config/shipping-zones.json';
import { InvalidCart, UnknownSku, UnsupportedCountry } from '../../../src/domain/errors';
import {
  findShippingZone,
  MAX_CART_LINES,
  MAX_LINE_QUANTITY,
  priceCart,
  quoteShipping,
  type CartLine,
  type CatalogueEntry,
  type ShippingConfig,
} from '../../../src/domain/pricing';

const shipping = shippingZones as ShippingConfig;

function catalogueOf(entries: CatalogueEntry[]): ReadonlyMap<string, CatalogueEntry> {
  return new Map(entries.map((entry) => [entry.sku, entry]));
}

const CATALOGUE = catalogueOf([
  { sku: 'TSHIRT', name: 'T-shirt', price: 2500, currency: 'usd' },
  { sku: 'MUG', name: 'Mug', price: 1200, currency: 'usd' },
  { sku: 'POSTER', name: 'Poster', price: 799, currency: 'usd' },
  { sku: 'EURO-ONLY', name: 'Import', price: 1000, currency: 'eur' },
]);

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('shipping configuration (config/shipping-zones.json)', () => {
  test('has the zones these tests price against', () => {
    expect(shipping.currency).toBe('usd');
    const byId = Object.fromEntries(shipping.zones.map((zone) => [zone.id, zone]));
    expect(byId.domestic).toEqual({
      id: 'domestic',
      countries: ['US'],
      baseRate: 500,
      perItemRate: 100,
      freeShippingThreshold: 10000,
    });
    expect(byId.canada).toEqual({ id: 'canada', countries: ['CA'], baseRate: 1200, perItemRate: 200 });
    expect(byId.europe).toMatchObject({ baseRate: 1500, perItemRate: 250 });
    expect(byId.europe.countries).toContain('DE');
  });

  test('no country belongs to two zones', () => {
    const all = shipping.zones.flatMap((zone) => zone.countries);
    expect(new Set(all).size).toBe(all.length);
    for (const country of all) expect(country).toMatch(/^[A-Z]{2}$/);
  });
});

describe('findShippingZone', () => {
  test.each([
    ['US', 'domestic'],
    ['us', 'domestic'],
    ['Us', 'domestic'],
    ['CA', 'canada'],
    ['de', 'europe'],
    ['FR', 'europe'],
  ])('%s -> %s', (country, zone) => {
    expect(findShippingZone(country, shipping).id).toBe(zone);
  });

  test.each(['JP', 'GB', 'XX', '', 'USA'])('%p is not shipped to', (country) => {
    const error = thrown(() => findShippingZone(country, shipping));
    expect(error).toBeInstanceOf(UnsupportedCountry);
    expect(error.name).toBe('UnsupportedCountry');
    expect((error as UnsupportedCountry).country).toBe(country);
  });
});

describe('quoteShipping', () => {
  const domestic = findShippingZone('US', shipping);
  const canada = findShippingZone('CA', shipping);

  test.each([
    // itemCount, subtotal, expected
    [1, 100, 500],
    [2, 100, 600],
    [5, 9999, 900],
    [5, 10000, 0], // from the threshold on, free
    [1, 25000, 0],
  ])('domestic: %i items, subtotal %i -> %i', (items, subtotal, expected) => {
    expect(quoteShipping(domestic, items, subtotal)).toBe(expected);
  });

  test('a zone without a threshold never ships free', () => {
    expect(quoteShipping(canada, 1, 10_000_000)).toBe(1200);
    expect(quoteShipping(canada, 3, 10_000_000)).toBe(1600);
  });
});

describe('priceCart', () => {
  test('prices from the catalogue, in minor units', () => {
    const priced = priceCart([{ sku: 'TSHIRT', quantity: 1 }], CATALOGUE, 'US', shipping);
    expect(priced).toEqual({
      items: [{ sku: 'TSHIRT', name: 'T-shirt', quantity: 1, unitPrice: 2500, lineTotal: 2500 }],
      amounts: { subtotal: 2500, shipping: 500, total: 3000, currency: 'usd' },
      shippingZone: 'domestic',
    });
  });

  test('several lines: subtotal, base + per extra item, total', () => {
    const priced = priceCart(
      [
        { sku: 'TSHIRT', quantity: 2 },
        { sku: 'MUG', quantity: 1 },
        { sku: 'POSTER', quantity: 3 },
      ],
      CATALOGUE,
      'US',
      shipping,
    );
    expect(priced.items.map((i) => [i.sku, i.unitPrice, i.lineTotal])).toEqual([
      ['TSHIRT', 2500, 5000],
      ['MUG', 1200, 1200],
      ['POSTER', 799, 2397],
    ]);
    // 6 items: 500 + 5 x 100
    expect(priced.amounts).toEqual({ subtotal: 8597, shipping: 1000, total: 9597, currency: 'usd' });
    for (const value of [priced.amounts.subtotal, priced.amounts.shipping, priced.amounts.total]) {
      expect(Number.isInteger(value)).toBe(true);
    }
  });

  test('free domestic shipping from the threshold, not below it', () => {
    expect(priceCart([{ sku: 'TSHIRT', quantity: 4 }], CATALOGUE, 'US', shipping).amounts).toEqual({
      subtotal: 10000,
      shipping: 0,
      total: 10000,
      currency: 'usd',
    });
    // 9999 is not reachable with these prices; 9900 is just below.
    const below = priceCart(
      [
        { sku: 'TSHIRT', quantity: 3 },
        { sku: 'MUG', quantity: 2 },
      ],
      CATALOGUE,
      'US',
      shipping,
    );
    expect(below.amounts).toEqual({ subtotal: 9900, shipping: 900, total: 10800, currency: 'usd' });
  });

  test('Canada has no free shipping; Europe has its own rates', () => {
    expect(priceCart([{ sku: 'TSHIRT', quantity: 10 }], CATALOGUE, 'CA', shipping).amounts).toEqual({
      subtotal: 25000,
      shipping: 3000, // 1200 + 9 x 200
      total: 28000,
      currency: 'usd',
    });
    const europe = priceCart([{ sku: 'MUG', quantity: 3 }], CATALOGUE, 'de', shipping);
    expect(europe.shippingZone).toBe('europe');
    expect(europe.amounts).toEqual({ subtotal: 3600, shipping: 2000, total: 5600, currency: 'usd' });
  });

  test('the country is matched whatever its case', () => {
    expect(priceCart([{ sku: 'MUG', quantity: 1 }], CATALOGUE, 'us', shipping).shippingZone).toBe('domestic');
    expect(priceCart([{ sku: 'MUG', quantity: 1 }], CATALOGUE, 'cA', shipping).shippingZone).toBe('canada');
  });

  test('prices a client might send are never read: the catalogue price is used', () => {
    // Not a fresh literal, so TypeScript lets the extra fields through, as JSON from a client would.
    const line = { sku: 'TSHIRT', quantity: 2, price: 1, unitPrice: 1, lineTotal: 2, total: 2 };
    const tampered: CartLine[] = [line];
    const priced = priceCart(tampered, CATALOGUE, 'US', shipping);
    expect(priced.items).toEqual([{ sku: 'TSHIRT', name: 'T-shirt', quantity: 2, unitPrice: 2500, lineTotal: 5000 }]);
    expect(priced.amounts.total).toBe(5600);
  });

  test('unknown SKUs are all listed', () => {
    const error = thrown(() =>
      priceCart(
        [
          { sku: 'NOPE-1', quantity: 1 },
          { sku: 'TSHIRT', quantity: 1 },
          { sku: 'NOPE-2', quantity: 2 },
        ],
        CATALOGUE,
        'US',
        shipping,
      ),
    );
    expect(error).toBeInstanceOf(UnknownSku);
    expect(error.name).toBe('UnknownSku');
    expect((error as UnknownSku).skus).toEqual(['NOPE-1', 'NOPE-2']);
    expect((error as UnknownSku).details).toEqual({ skus: ['NOPE-1', 'NOPE-2'] });
    expect(error.message).toContain('NOPE-1');
    expect(error.message).toContain('NOPE-2');
  });

  test('an unsupported country is refused', () => {
    const error = thrown(() => priceCart([{ sku: 'MUG', quantity: 1 }], CATALOGUE, 'JP', shipping));
    expect(error).toBeInstanceOf(UnsupportedCountry);
    expect((error as UnsupportedCountry).details).toEqual({ country: 'JP' });
  });

  describe('cart shape', () => {
    const manySkus = Array.from({ length: MAX_CART_LINES + 1 }, (_, i) => `SKU-${i}`);
    const bigCatalogue = catalogueOf(manySkus.map((sku) => ({ sku, name: sku, price: 100, currency: 'usd' })));

    test('limits are 50 lines and 100 per line', () => {
      expect(MAX_CART_LINES).toBe(50);
      expect(MAX_LINE_QUANTITY).toBe(100);
    });

    test('an empty cart is refused', () => {
      const error = thrown(() => priceCart([], CATALOGUE, 'US', shipping));
      expect(error).toBeInstanceOf(InvalidCart);
      expect(error.name).toBe('InvalidCart');
      expect((error as InvalidCart).details).toEqual({ lines: 0 });
      expect(error.message).toBe('A cart has 1 to 50 lines');
    });

    test('50 lines are accepted, 51 refused', () => {
      const fifty = manySkus.slice(0, 50).map((sku) => ({ sku, quantity: 1 }));
      const priced = priceCart(fifty, bigCatalogue, 'CA', shipping);
      expect(priced.items).toHaveLength(50);
      expect(priced.amounts.subtotal).toBe(5000);

      const fiftyOne = manySkus.map((sku) => ({ sku, quantity: 1 }));
      const error = thrown(() => priceCart(fiftyOne, bigCatalogue, 'CA', shipping));
      expect(error).toBeInstanceOf(InvalidCart);
      expect((error as InvalidCart).details).toEqual({ lines: 51 });
    });

    test.each([0, -1, 101, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('quantity %p is refused', (quantity) => {
      const error = thrown(() => priceCart([{ sku: 'MUG', quantity }], CATALOGUE, 'US', shipping));
      expect(error).toBeInstanceOf(InvalidCart);
      expect((error as InvalidCart).details).toEqual({ sku: 'MUG' });
      expect(error.message).toContain('MUG');
    });

    test.each([1, 100])('quantity %p is accepted', (quantity) => {
      const priced = priceCart([{ sku: 'POSTER', quantity }], CATALOGUE, 'CA', shipping);
      expect(priced.items[0].quantity).toBe(quantity);
      expect(priced.amounts.subtotal).toBe(799 * quantity);
    });

    test('a SKU listed twice is refused (one stock write per SKU)', () => {
      const error = thrown(() =>
        priceCart(
          [
            { sku: 'MUG', quantity: 1 },
            { sku: 'TSHIRT', quantity: 1 },
            { sku: 'MUG', quantity: 2 },
          ],
          CATALOGUE,
          'US',
          shipping,
        ),
      );
      expect(error).toBeInstanceOf(InvalidCart);
      expect((error as InvalidCart).details).toEqual({ sku: 'MUG' });
      expect(error.message).toBe('SKU MUG appears more than once');
    });
  });

  test('a catalogue entry in another currency than the shop sells in is refused', () => {
    const error = thrown(() =>
      priceCart(
        [
          { sku: 'MUG', quantity: 1 },
          { sku: 'EURO-ONLY', quantity: 1 },
        ],
        CATALOGUE,
        'US',
        shipping,
      ),
    );
    expect(error).toBeInstanceOf(InvalidCart);
    expect(error.message).toContain('EURO-ONLY');
    expect(error.message).toContain('eur');
  });
});
