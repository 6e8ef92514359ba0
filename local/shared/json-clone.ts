/**
 * Deep copy of JSON data. Not structuredClone: under jest's vm sandbox it returns objects of the outer
 * realm, whose prototype is not the sandbox's Object.prototype, and aws-local-stepfunctions then stops
 * recognising nested Parameters objects as templates (its isPlainObj compares prototypes).
 */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A value as it crosses a JSON wire (a Lambda result, a task output): a copy, undefined as null. */
export function jsonWireCopy(value: unknown): unknown {
  return value === undefined ? null : cloneJson(value);
}
