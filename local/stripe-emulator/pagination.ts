/** Stripe's cursor pagination over a list ordered newest first. */
import { noSuchReferencedObject, parameterError } from './errors';
import type { ParamReader } from './form';

export interface ListPage<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export interface PageRequest {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

export function readPageRequest(params: ParamReader): PageRequest {
  const limit = params.integer('limit') ?? 10;
  if (limit < 1 || limit > 100) throw parameterError('Invalid limit: must be between 1 and 100', 'limit');
  const startingAfter = params.string('starting_after');
  const endingBefore = params.string('ending_before');
  if (startingAfter && endingBefore) {
    throw parameterError('You may only specify one of these parameters: ending_before, starting_after.', undefined, 'parameters_exclusive');
  }
  return { limit, startingAfter: startingAfter || undefined, endingBefore: endingBefore || undefined };
}

export function paginate<T extends { id: string }>(newestFirst: T[], page: PageRequest, url: string, objectName: string): ListPage<T> {
  if (page.startingAfter !== undefined) {
    const index = newestFirst.findIndex((item) => item.id === page.startingAfter);
    if (index < 0) throw noSuchReferencedObject(objectName, page.startingAfter, 'starting_after');
    const rest = newestFirst.slice(index + 1);
    return { object: 'list', data: rest.slice(0, page.limit), has_more: rest.length > page.limit, url };
  }
  if (page.endingBefore !== undefined) {
    const index = newestFirst.findIndex((item) => item.id === page.endingBefore);
    if (index < 0) throw noSuchReferencedObject(objectName, page.endingBefore, 'ending_before');
    // The page just before the cursor: the `limit` items closest to it, still newest first.
    const before = newestFirst.slice(0, index);
    const data = before.slice(Math.max(0, before.length - page.limit));
    return { object: 'list', data, has_more: before.length > page.limit, url };
  }
  return { object: 'list', data: newestFirst.slice(0, page.limit), has_more: newestFirst.length > page.limit, url };
}
