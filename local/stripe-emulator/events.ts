/**
 * The event log: every state change of a PaymentIntent or charge becomes an immutable event whose
 * `data.object` is a snapshot taken at that moment (later changes do not alter it), as on Stripe.
 */
import { noSuchObject, parameterError } from './errors';
import { newId, unixSeconds } from './ids';
import type { ParamReader } from './form';
import { paginate, readPageRequest, type ListPage } from './pagination';
import type { Charge, PaymentIntent, RequestContext, StripeEvent } from './types';

export type EventListener = (event: StripeEvent) => void;

export class EventLog {
  /** Oldest first; lists reverse it. */
  private readonly events: StripeEvent[] = [];
  private readonly byId = new Map<string, StripeEvent>();

  constructor(
    private readonly apiVersion: string,
    /** How many webhook endpoints will receive an event of this type (Stripe's `pending_webhooks`). */
    private readonly endpointCount: (eventType: string) => number,
    private readonly onEvent: EventListener,
  ) {}

  record(type: string, object: PaymentIntent | Charge, ctx: RequestContext): StripeEvent {
    const event: StripeEvent = {
      id: newId('evt'),
      object: 'event',
      api_version: this.apiVersion,
      created: unixSeconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: this.endpointCount(type),
      request: { id: ctx.requestId, idempotency_key: ctx.idempotencyKey },
      type,
    };
    this.events.push(event);
    this.byId.set(event.id, event);
    this.onEvent(event);
    return event;
  }

  get(id: string): StripeEvent | undefined {
    return this.byId.get(id);
  }

  retrieve(id: string): StripeEvent {
    const event = this.byId.get(id);
    if (!event) throw noSuchObject('event', id, 'id');
    return event;
  }

  all(): StripeEvent[] {
    return [...this.events];
  }

  count(): number {
    return this.events.length;
  }

  /**
   * GET /v1/events: newest first, filtered by `created` (a timestamp or `gt`/`gte`/`lt`/`lte`),
   * `type` (with `*` wildcards) or `types[]` (exact names, up to 20; not with `type`).
   */
  list(params: ParamReader): ListPage<StripeEvent> {
    params.rejectUnknown(['limit', 'starting_after', 'ending_before', 'type', 'types', 'created', 'expand', 'delivery_success']);
    const page = readPageRequest(params);
    const created = readCreatedFilter(params);
    const matchesType = readTypeFilter(params);
    const newestFirst = [...this.events].reverse().filter((e) => matchesType(e.type) && created(e.created));
    const deliverySuccess = params.boolean('delivery_success');
    const filtered = deliverySuccess === undefined ? newestFirst : newestFirst.filter((e) => (e.pending_webhooks === 0) === deliverySuccess);
    return paginate(filtered, page, '/v1/events', 'event');
  }

  clear(): void {
    this.events.length = 0;
    this.byId.clear();
  }
}

/** Stripe's limit on `types[]`. */
const MAX_TYPES = 20;

function readTypeFilter(params: ParamReader): (type: string) => boolean {
  const type = params.string('type');
  const types = params.stringArray('types');
  if (type !== undefined && types !== undefined) {
    throw parameterError('You may only specify one of these parameters: type, types.', undefined, 'parameters_exclusive');
  }
  if (types !== undefined && types.length > MAX_TYPES) {
    throw parameterError(`Invalid array: types can have at most ${MAX_TYPES} items.`, 'types');
  }
  // `type` takes a `*` wildcard (payment_intent.*); `types[]` are exact event names.
  if (type) return typeMatcher(type);
  if (types && types.length > 0) return (eventType) => types.includes(eventType);
  return () => true;
}

/** `created=<unix s>` (exactly then) or `created[gt|gte|lt|lte]=<unix s>`, combinable. */
function readCreatedFilter(params: ParamReader): (created: number) => boolean {
  if (!params.has('created')) return () => true;
  if (typeof params.params.created === 'string') {
    const at = params.integer('created')!;
    return (created) => created === at;
  }
  const range = params.object('created');
  if (!range) return () => true;
  range.rejectUnknown(['gt', 'gte', 'lt', 'lte']);
  const gt = range.integer('gt');
  const gte = range.integer('gte');
  const lt = range.integer('lt');
  const lte = range.integer('lte');
  return (created) =>
    (gt === undefined || created > gt) && (gte === undefined || created >= gte) && (lt === undefined || created < lt) && (lte === undefined || created <= lte);
}

function typeMatcher(pattern: string): (type: string) => boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('[^]*')}$`);
  return (type) => regex.test(type);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
