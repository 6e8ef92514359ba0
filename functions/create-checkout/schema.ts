import { z } from 'zod';
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from '../../src/domain/pricing';

const text = (max: number) => z.string().trim().min(1).max(max);

export const CheckoutRequestSchema = z.object({
  items: z
    .array(
      z.object({
        sku: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'SKU has unexpected characters'),
        quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
      }),
    )
    .min(1)
    .max(MAX_CART_LINES),
  customer: z.object({ email: z.email().max(254) }),
  shippingAddress: z.object({
    name: text(200),
    line1: text(200),
    line2: z.string().trim().max(200).optional(),
    city: text(100),
    state: z.string().trim().max(100).optional(),
    postalCode: text(20),
    country: z.string().regex(/^[A-Za-z]{2}$/, 'Use a two-letter ISO country code'),
  }),
});

/** Stripe's own limit on idempotency keys is 255 characters; same here. */
export const IdempotencyKeySchema = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'printable ASCII only');
