/**
 * Run-time settings of webhook delivery. They can be given at start and changed later (in code with
 * `setConfig`, over HTTP with `POST /_emulator/config`); both paths go through `applyConfigPatch`.
 */

import { LOCAL_DEFAULTS } from '../defaults';

/** Not a secret: it only signs webhooks on a developer's machine (default of main.ts). */
export const LOCAL_WEBHOOK_SECRET = LOCAL_DEFAULTS.stripeWebhookSecret;

/** How held events are released when reordering is on. */
export type ReorderMode = 'off' | 'newest-first' | 'shuffle';

export interface DeliverySettings {
  /** Delay before the first retry; each further retry waits twice as long. */
  retryBaseDelayMs: number;
  /** Attempts per delivery, the first one included. */
  maxAttempts: number;
  /** An attempt that gets no response within this time counts as failed. */
  timeoutMs: number;
  /** Extra copies of every event (same event id), to test deduplication. */
  duplicateDeliveries: number;
  /** Hold events for `reorderWindowMs`, then deliver them newest first or shuffled. */
  reorderDeliveries: ReorderMode;
  reorderWindowMs: number;
}

export interface EmulatorConfig extends DeliverySettings {
  /** Where events are POSTed; null stores events without delivering them. */
  webhookUrl: string | null;
  /**
   * The endpoint's `enabled_events`, as on Stripe: the event types it is sent, or `['*']` for all.
   * Other events are still recorded (GET /v1/events) with `pending_webhooks: 0`.
   */
  enabledEvents: string[];
}

/** `reorderDeliveries: true` means newest first; everything else as in EmulatorConfig. */
export type EmulatorConfigPatch = Partial<Omit<EmulatorConfig, 'reorderDeliveries'>> & { reorderDeliveries?: ReorderMode | boolean };

/** Suited to local development: a failing receiver is retried for about two minutes in all. */
export const DEFAULT_DELIVERY: DeliverySettings = {
  retryBaseDelayMs: 250,
  maxAttempts: 10,
  timeoutMs: 5000,
  duplicateDeliveries: 0,
  reorderDeliveries: 'off',
  reorderWindowMs: 250,
};

export class ConfigError extends Error {}

const NUMERIC_LIMITS: Record<'retryBaseDelayMs' | 'maxAttempts' | 'timeoutMs' | 'duplicateDeliveries' | 'reorderWindowMs', [number, number]> = {
  retryBaseDelayMs: [0, 3_600_000],
  maxAttempts: [1, 100],
  timeoutMs: [1, 600_000],
  duplicateDeliveries: [0, 20],
  reorderWindowMs: [0, 60_000],
};

/** Validates a patch that may come from an HTTP body (strings from a form, anything from JSON). */
export function applyConfigPatch(current: EmulatorConfig, patch: Record<string, unknown>): EmulatorConfig {
  const next: EmulatorConfig = { ...current };
  for (const [key, raw] of Object.entries(patch)) {
    if (key === 'webhookUrl') {
      next.webhookUrl = readWebhookUrl(raw);
    } else if (key === 'enabledEvents') {
      next.enabledEvents = readEnabledEvents(raw);
    } else if (key === 'reorderDeliveries') {
      next.reorderDeliveries = readReorderMode(raw);
    } else if (key in NUMERIC_LIMITS) {
      const name = key as keyof typeof NUMERIC_LIMITS;
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      const [min, max] = NUMERIC_LIMITS[name];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw new ConfigError(`${name} must be an integer between ${min} and ${max}`);
      }
      next[name] = value;
    } else {
      throw new ConfigError(`unknown setting '${key}'`);
    }
  }
  return next;
}

function readWebhookUrl(raw: unknown): string | null {
  if (raw === null || raw === '' || raw === undefined) return null;
  if (typeof raw !== 'string') throw new ConfigError('webhookUrl must be a string or null');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('webhookUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('webhookUrl must be an absolute http(s) URL');
  return raw;
}

/** Whether the endpoint is sent events of this type. */
export function isSubscribed(config: EmulatorConfig, eventType: string): boolean {
  return config.webhookUrl !== null && (config.enabledEvents.includes('*') || config.enabledEvents.includes(eventType));
}

/** A JSON array of types, or a comma-separated list from a form: `payment_intent.succeeded,charge.failed`. */
function readEnabledEvents(raw: unknown): string[] {
  const list = typeof raw === 'string' ? raw.split(',').map((type) => type.trim()) : raw;
  const wellFormed = (type: unknown) => typeof type === 'string' && (type === '*' || /^[a-z_]+(\.[a-z_]+)+$/.test(type));
  if (!Array.isArray(list) || list.length === 0 || !list.every(wellFormed)) {
    throw new ConfigError("enabledEvents must be a non-empty list of event types (like 'payment_intent.succeeded') or ['*']");
  }
  return [...new Set(list as string[])];
}

function readReorderMode(raw: unknown): ReorderMode {
  if (raw === true || raw === 'true') return 'newest-first';
  if (raw === false || raw === 'false') return 'off';
  if (raw === 'off' || raw === 'newest-first' || raw === 'shuffle') return raw;
  throw new ConfigError("reorderDeliveries must be 'off', 'newest-first', 'shuffle' or a boolean");
}
