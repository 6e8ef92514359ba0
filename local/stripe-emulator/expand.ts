/**
 * `expand[]`: replaces an id in a response by the object it names (`latest_charge`,
 * `latest_charge.payment_intent`, `data.latest_charge` in lists). Only the relations the emulator
 * models can be expanded; anything else gets Stripe's "cannot be expanded" error.
 */
import { parameterError } from './errors';

export interface ExpansionLookup {
  charge(id: string): object;
  paymentIntent(id: string): object;
  paymentMethod(id: string): object;
}

type ObjectType = 'payment_intent' | 'charge' | 'payment_method' | 'event' | 'webhook_endpoint' | 'stripecli_session';
/** What a route answers with: an object, or a list of objects. */
export type ResponseType = ObjectType | `list:${ObjectType}`;

interface Relation {
  target: ObjectType;
  resolve: (lookup: ExpansionLookup, id: string) => object;
}

const EXPANDABLE: Partial<Record<ObjectType, Record<string, Relation>>> = {
  payment_intent: {
    latest_charge: { target: 'charge', resolve: (lookup, id) => lookup.charge(id) },
    payment_method: { target: 'payment_method', resolve: (lookup, id) => lookup.paymentMethod(id) },
  },
  charge: {
    payment_intent: { target: 'payment_intent', resolve: (lookup, id) => lookup.paymentIntent(id) },
  },
};

const MAX_DEPTH = 4;

/** Checked before the request runs, so a bad `expand` never leaves a half-done request behind. */
export function checkExpandPaths(responseType: ResponseType, paths: string[]): void {
  for (const path of paths) {
    let segments = path.split('.');
    if (segments.length > MAX_DEPTH) throw parameterError(`You cannot expand more than ${MAX_DEPTH} levels of a property (${path}).`, 'expand');
    let type: ObjectType;
    if (responseType.startsWith('list:')) {
      if (segments[0] !== 'data' || segments.length < 2) throw parameterError(`This property cannot be expanded (${path}).`, 'expand');
      type = responseType.slice(5) as ObjectType;
      segments = segments.slice(1);
    } else {
      type = responseType as ObjectType;
    }
    for (const field of segments) {
      const relation = EXPANDABLE[type]?.[field];
      if (!relation) throw parameterError(`This property cannot be expanded (${path}).`, 'expand');
      type = relation.target;
    }
  }
}

export function expandResponse(object: object, paths: string[], lookup: ExpansionLookup): object {
  let result = object;
  for (const path of paths) result = expandPath(result as Record<string, unknown>, path.split('.'), path, lookup);
  return result;
}

/** Copies every level it changes, so stored objects are never modified. */
function expandPath(object: Record<string, unknown>, segments: string[], path: string, lookup: ExpansionLookup): Record<string, unknown> {
  const [field, ...rest] = segments;
  const copy = { ...object };
  if (copy.object === 'list' && field === 'data' && rest.length > 0) {
    copy.data = (copy.data as Record<string, unknown>[]).map((item) => expandPath(item, rest, path, lookup));
    return copy;
  }
  const relation = EXPANDABLE[copy.object as ObjectType]?.[field];
  if (!relation) throw parameterError(`This property cannot be expanded (${path}).`, 'expand');
  let value = copy[field];
  if (typeof value === 'string') value = relation.resolve(lookup, value);
  if (rest.length > 0 && value !== null && typeof value === 'object') {
    value = expandPath(value as Record<string, unknown>, rest, path, lookup);
  }
  copy[field] = value;
  return copy;
}
