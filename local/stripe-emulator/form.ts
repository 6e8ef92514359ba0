/**
 * Decoding of Stripe's form-encoded parameters (`metadata[orderId]=x`, `items[0][price]=p`,
 * `expand[]=latest_charge`) into a tree, and typed reading of that tree with Stripe's error
 * messages. The decoder keeps every container an object with string keys: whether `x[0]` is an
 * array element or a metadata key named "0" is decided by the reader, as Stripe's schema does.
 */
import { missingParam, parameterError, unknownParam } from './errors';

export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

const KEY_PATTERN = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

export function decodeForm(encoded: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const match = KEY_PATTERN.exec(rawKey);
    if (!match) throw parameterError(`Invalid request: could not parse parameter name '${rawKey}'.`);
    const segments = [match[1], ...(match[2].match(/\[([^[\]]*)\]/g) ?? []).map((s) => s.slice(1, -1))];
    assign(root, segments, value, rawKey);
  }
  return root;
}

function assign(root: FormObject, segments: string[], value: string, rawKey: string): void {
  let container = root;
  for (let i = 0; i < segments.length; i++) {
    // `[]` appends: it takes the next free numeric index.
    const segment = segments[i] === '' ? String(countIndexedKeys(container)) : segments[i];
    const isLast = i === segments.length - 1;
    const existing = container[segment];
    if (isLast) {
      if (typeof existing === 'object') throw conflicting(rawKey);
      container[segment] = value;
      return;
    }
    if (existing === undefined) {
      const child: FormObject = {};
      container[segment] = child;
      container = child;
    } else if (typeof existing === 'string') {
      // `metadata=` followed by `metadata[a]=1`: the second wins, as an empty string only means "unset".
      if (existing !== '') throw conflicting(rawKey);
      const child: FormObject = {};
      container[segment] = child;
      container = child;
    } else {
      container = existing;
    }
  }
}

function countIndexedKeys(container: FormObject): number {
  return Object.keys(container).filter((k) => /^\d+$/.test(k)).length;
}

function conflicting(rawKey: string): Error {
  return parameterError(`Invalid request: parameter '${rawKey}' is given both as a value and as a hash.`);
}

/** Stable serialisation used to compare the parameters of an idempotent replay. */
export function canonicalParams(value: FormValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalParams(value[k])}`).join(',')}}`;
}

const TRUE_VALUES = new Set(['true']);
const FALSE_VALUES = new Set(['false']);

/**
 * Reads one level of parameters. `prefix` is how the level is named in error messages
 * (`automatic_payment_methods[enabled]`).
 */
export class ParamReader {
  constructor(
    readonly params: FormObject,
    private readonly prefix = '',
  ) {}

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.params[key] !== undefined;
  }

  /** Stripe rejects any parameter it does not know; so do we, with the same error. */
  rejectUnknown(allowed: readonly string[]): void {
    for (const key of Object.keys(this.params)) {
      if (!allowed.includes(key)) throw unknownParam(this.name(key));
    }
  }

  string(key: string): string | undefined {
    const value = this.params[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw parameterError(`Invalid string: ${this.name(key)} must be a string, not a hash.`, this.name(key));
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === '') throw missingParam(this.name(key));
    return value;
  }

  /** An empty string means "unset" in Stripe's form encoding. */
  nullableString(key: string): string | null | undefined {
    const value = this.string(key);
    return value === '' ? null : value;
  }

  integer(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw parameterError(`Invalid integer: ${value}`, this.name(key), 'parameter_invalid_integer');
    }
    return Number(value);
  }

  requiredInteger(key: string): number {
    const value = this.integer(key);
    if (value === undefined) throw missingParam(this.name(key));
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (TRUE_VALUES.has(value)) return true;
    if (FALSE_VALUES.has(value)) return false;
    throw parameterError(`Invalid boolean: ${value}`, this.name(key));
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      const list = values.length > 1 ? `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}` : values[0];
      throw parameterError(`Invalid ${this.name(key)}: must be one of ${list}`, this.name(key));
    }
    return value as T;
  }

  /** A nested hash; undefined when absent, null when cleared with an empty string. */
  object(key: string): ParamReader | null | undefined {
    const value = this.params[key];
    if (value === undefined) return undefined;
    if (value === '') return null;
    if (typeof value === 'string') throw parameterError(`Invalid object: ${this.name(key)} must be a hash.`, this.name(key));
    return new ParamReader(value, this.name(key));
  }

  /** Arrays arrive as `x[0]=a&x[1]=b` (the SDK) or `x[]=a&x[]=b` (the CLI). */
  stringArray(key: string): string[] | undefined {
    const value = this.params[key];
    if (value === undefined) return undefined;
    if (value === '') return [];
    if (typeof value === 'string') throw parameterError(`Invalid array: ${this.name(key)} must be an array.`, this.name(key));
    const indices = Object.keys(value);
    if (!indices.every((k) => /^\d+$/.test(k))) throw parameterError(`Invalid array: ${this.name(key)} must be an array.`, this.name(key));
    return indices
      .sort((a, b) => Number(a) - Number(b))
      .map((index) => {
        const item = value[index];
        if (typeof item !== 'string') throw parameterError(`Invalid string: ${this.name(key)}[${index}] must be a string.`, `${this.name(key)}[${index}]`);
        return item;
      });
  }
}
