import { InvalidCart, UnknownSku, UnsupportedCountry } from './errors';
import type { Amounts, OrderLine } from './order';

export const MAX_CART_LINES = 50;
export const MAX_LINE_QUANTITY = 100;

export interface CatalogueEntry {
  sku: string;
  name: string;
  /** Minor units. */
  price: number;
  currency: string;
}

export interface CartLine {
  sku: string;
  quantity: number;
}

export interface ShippingZone {
  id: string;
  countries: string[];
  baseRate: number;
  perItemRate: number;
  /** Subtotal (minor units) from which shipping is free. */
  freeShippingThreshold?: number;
}

export interface ShippingConfig {
  currency: string;
  zones: ShippingZone[];
}

export function findShippingZone(country: string, config: ShippingConfig): ShippingZone {
  const zone = config.zones.find((z) => z.countries.includes(country.toUpperCase()));
  if (!zone) throw new UnsupportedCountry(country);
  return zone;
}

export function quoteShipping(zone: ShippingZone, itemCount: number, subtotal: number): number {
  if (zone.freeShippingThreshold !== undefined && subtotal >= zone.freeShippingThreshold) return 0;
  return zone.baseRate + zone.perItemRate * Math.max(0, itemCount - 1);
}

/** Checks the cart's shape; the HTTP schema checks it too, the domain does not trust callers. */
export function validateCart(lines: CartLine[]): void {
  if (lines.length < 1 || lines.length > MAX_CART_LINES) {
    throw new InvalidCart(`A cart has 1 to ${MAX_CART_LINES} lines`, { lines: lines.length });
  }
  const seen = new Set<string>();
  for (const line of lines) {
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
      throw new InvalidCart(`Quantity of ${line.sku} must be a whole number from 1 to ${MAX_LINE_QUANTITY}`, {
        sku: line.sku,
      });
    }
    // One stock write per SKU: a transaction cannot touch the same item twice.
    if (seen.has(line.sku)) throw new InvalidCart(`SKU ${line.sku} appears more than once`, { sku: line.sku });
    seen.add(line.sku);
  }
}

/** Prices a cart from the server-side catalogue and the shipping zones; client prices are never read. */
export function priceCart(
  lines: CartLine[],
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  country: string,
  shipping: ShippingConfig,
): { items: OrderLine[]; amounts: Amounts; shippingZone: string } {
  validateCart(lines);
  const unknown = lines.filter((l) => !catalogue.has(l.sku)).map((l) => l.sku);
  if (unknown.length > 0) throw new UnknownSku(unknown);
  const zone = findShippingZone(country, shipping);

  const items: OrderLine[] = lines.map(({ sku, quantity }) => {
    const entry = catalogue.get(sku)!;
    if (entry.currency !== shipping.currency) {
      throw new InvalidCart(`SKU ${sku} is priced in ${entry.currency}, the shop sells in ${shipping.currency}`);
    }
    return { sku, name: entry.name, quantity, unitPrice: entry.price, lineTotal: entry.price * quantity };
  });
  const subtotal = items.reduce((sum, item) => sum + item.lineTotal, 0);
  const itemCount = items.reduce((sum, item) => sum + item.quantity, 0);
  const shippingAmount = quoteShipping(zone, itemCount, subtotal);
  return {
    items,
    amounts: { subtotal, shipping: shippingAmount, total: subtotal + shippingAmount, currency: shipping.currency },
    shippingZone: zone.id,
  };
}
