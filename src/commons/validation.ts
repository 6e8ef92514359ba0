/**
 * Request and message validation with zod/mini: the same checks as zod's classic API in a
 * tree-shakable form. The classic `zod` import put ~450 KB (minified) into every bundle that used
 * it; zod/mini with English messages is ~25 KB. Schemas import `* as z from 'zod/mini'` and
 * validate through `validate` below, which configures the English messages once per process.
 * (Never re-export the `z` namespace as a value: that keeps all of zod in the bundle.)
 */
import { config, safeParse } from 'zod/mini';
import { $ZodError, type $ZodType } from 'zod/v4/core';
import { en } from 'zod/locales';

config(en());

/** Any zod schema (classic or mini) that validates to T. */
export type Schema<T> = $ZodType<T>;
export const ValidationFailure = $ZodError;
export type ValidationFailure = $ZodError;

export function validate<T>(schema: Schema<T>, value: unknown) {
  return safeParse(schema, value);
}
