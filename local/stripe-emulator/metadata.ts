/**
 * Stripe metadata: at most 50 keys, keys up to 40 characters, values up to 500. On update an empty
 * value removes a key and `metadata=` (empty) removes them all.
 */
import { parameterError } from './errors';
import type { ParamReader } from './form';
import type { Metadata } from './types';

const MAX_KEYS = 50;
const MAX_KEY_LENGTH = 40;
const MAX_VALUE_LENGTH = 500;

export function applyMetadata(current: Metadata, params: ParamReader, key = 'metadata'): Metadata {
  const patch = params.object(key);
  if (patch === undefined) return current;
  if (patch === null) return {};
  const next: Metadata = { ...current };
  for (const metadataKey of Object.keys(patch.params)) {
    const param = patch.name(metadataKey);
    const value = patch.params[metadataKey];
    if (typeof value !== 'string') throw parameterError(`Invalid value type: ${param} must be a string.`, param);
    if (metadataKey.length > MAX_KEY_LENGTH) {
      throw parameterError(`Invalid ${key}: keys can be at most ${MAX_KEY_LENGTH} characters long, but '${metadataKey}' has ${metadataKey.length}.`, param);
    }
    if (value.length > MAX_VALUE_LENGTH) {
      throw parameterError(`Invalid ${key}: values can be at most ${MAX_VALUE_LENGTH} characters long, but ${param} has ${value.length}.`, param);
    }
    if (value === '') delete next[metadataKey];
    else next[metadataKey] = value;
  }
  if (Object.keys(next).length > MAX_KEYS) {
    throw parameterError(`Invalid ${key}: ${key} can have at most ${MAX_KEYS} keys.`, key);
  }
  return next;
}
