import * as z from 'zod/mini';
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from '../../src/domain/pricing';

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
const optionalText = (max: number) => z.optional(z.string().check(z.trim(), z.maxLength(max)));

export const CheckoutRequestSchema = z.object({
  items: z
    .array(
      z.object({
        sku: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9._-]+$/, 'SKU has unexpected characters')),
        quantity: z.int().check(z.minimum(1), z.maximum(MAX_LINE_QUANTITY)),
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_CART_LINES)),
  customer: z.object({ email: z.email().check(z.maxLength(254)) }),
  shippingAddress: z.object({
    name: text(200),
    line1: text(200),
    line2: optionalText(200),
    city: text(100),
    state: optionalText(100),
    postalCode: text(20),
    country: z.string().check(z.regex(/^[A-Za-z]{2}$/, 'Use a two-letter ISO country code')),
  }),
});
