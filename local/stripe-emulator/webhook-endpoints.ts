/**
 * The Webhook Endpoints API (`/v1/webhook_endpoints`: create, list, retrieve, update, delete, with
 * `enabled_events`). Endpoints created here are what `stripe listen -a` routes by; the emulator
 * never POSTs to them (their URLs are usually public hosts, out of reach and out of bounds here):
 * its own delivery goes to the one `webhookUrl` of its configuration.
 */
import { noSuchObject, parameterError } from './errors';
import type { ParamReader } from './form';
import { newId, randomToken, unixSeconds } from './ids';
import { applyMetadata } from './metadata';
import { paginate, readPageRequest, type ListPage } from './pagination';
import type { Metadata } from './types';

export interface WebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  api_version: string | null;
  /** Set for endpoints of a Connect application; the emulator has none. */
  application: null;
  created: number;
  description: string | null;
  enabled_events: string[];
  livemode: false;
  metadata: Metadata;
  /** Only in the answer to the create call, as on Stripe. */
  secret?: string;
  status: 'enabled' | 'disabled';
  url: string;
}

export interface DeletedWebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  deleted: true;
}

const WELL_FORMED_EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

export class WebhookEndpoints {
  /** Oldest first; lists reverse it. */
  private readonly endpoints: WebhookEndpoint[] = [];

  create(params: ParamReader): WebhookEndpoint {
    params.rejectUnknown(['url', 'enabled_events', 'description', 'metadata', 'api_version', 'expand']);
    const endpoint: WebhookEndpoint = {
      id: newId('we'),
      object: 'webhook_endpoint',
      api_version: params.string('api_version') || null,
      application: null,
      created: unixSeconds(),
      description: params.string('description') || null,
      enabled_events: readEnabledEvents(params, true)!,
      livemode: false,
      metadata: applyMetadata({}, params),
      status: 'enabled',
      url: readUrl(params, true)!,
    };
    this.endpoints.push(endpoint);
    return { ...endpoint, secret: `whsec_${randomToken(32)}` };
  }

  retrieve(id: string): WebhookEndpoint {
    return { ...this.find(id) };
  }

  update(id: string, params: ParamReader): WebhookEndpoint {
    params.rejectUnknown(['url', 'enabled_events', 'description', 'metadata', 'disabled', 'expand']);
    const endpoint = this.find(id);
    const url = readUrl(params, false);
    const enabledEvents = readEnabledEvents(params, false);
    const disabled = params.boolean('disabled');
    const metadata = applyMetadata(endpoint.metadata, params);
    if (url !== undefined) endpoint.url = url;
    if (enabledEvents !== undefined) endpoint.enabled_events = enabledEvents;
    if (disabled !== undefined) endpoint.status = disabled ? 'disabled' : 'enabled';
    if (params.has('description')) endpoint.description = params.string('description') || null;
    endpoint.metadata = metadata;
    return { ...endpoint };
  }

  delete(id: string): DeletedWebhookEndpoint {
    const endpoint = this.find(id);
    this.endpoints.splice(this.endpoints.indexOf(endpoint), 1);
    return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
  }

  list(params: ParamReader): ListPage<WebhookEndpoint> {
    params.rejectUnknown(['limit', 'starting_after', 'ending_before', 'expand']);
    const newestFirst = [...this.endpoints].reverse().map((endpoint) => ({ ...endpoint }));
    return paginate(newestFirst, readPageRequest(params), '/v1/webhook_endpoints', 'webhook_endpoint');
  }

  clear(): void {
    this.endpoints.length = 0;
  }

  private find(id: string): WebhookEndpoint {
    const endpoint = this.endpoints.find((candidate) => candidate.id === id);
    if (!endpoint) throw noSuchObject('webhook_endpoint', id, 'id');
    return endpoint;
  }
}

function readUrl(params: ParamReader, required: boolean): string | undefined {
  const raw = required ? params.requiredString('url') : params.string('url');
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw parameterError(`Invalid URL: ${raw}. URLs must be absolute http or https URLs.`, 'url', 'url_invalid');
  }
  return raw;
}

function readEnabledEvents(params: ParamReader, required: boolean): string[] | undefined {
  const types = params.stringArray('enabled_events');
  if (types === undefined) {
    if (required) throw parameterError('Missing required param: enabled_events.', 'enabled_events', 'parameter_missing');
    return undefined;
  }
  if (types.length === 0) throw parameterError('Invalid enabled_events: must contain at least one event type.', 'enabled_events');
  for (const type of types) {
    if (type !== '*' && !WELL_FORMED_EVENT_TYPE.test(type)) {
      throw parameterError(`Invalid enabled_events: '${type}' is not an event type (like 'payment_intent.succeeded') or '*'.`, 'enabled_events');
    }
  }
  return [...new Set(types)];
}
