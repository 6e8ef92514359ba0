import * as z from 'zod/mini';

/** POST /inventory/adjustments: an operator's change to a SKU's available stock. */
export const AdjustmentSchema = z.object({
  sku: z.string().check(z.minLength(1), z.maxLength(64)),
  delta: z.int().check(
    z.minimum(-1_000_000),
    z.maximum(1_000_000),
    z.refine((d) => d !== 0, 'delta must not be 0'),
  ),
  reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
});
