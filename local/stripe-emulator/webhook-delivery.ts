/**
 * Webhook delivery: signed POSTs of events to the configured URL, never awaited by the API call
 * that caused them. First attempts go out one at a time in event order (so runs are repeatable);
 * failed attempts are retried on their own timers with exponential backoff, as Stripe does.
 * The duplicate and reorder knobs exist to prove that a receiver copes with what Stripe
 * documents it may do: deliver an event more than once, and in any order. The outage knob makes
 * every attempt fail for a while as if the endpoint were down (connection refused), so that what
 * catches up on lost webhooks can be shown to work; retries follow the usual schedule.
 */
import http from 'node:http';
import https from 'node:https';
import type { EmulatorConfig } from './config';
import { newId, unixSeconds } from './ids';
import type { StripeEvent } from './types';
import { signWebhookPayload } from './webhook-signature';

export interface DeliveryAttempt {
  deliveryId: string;
  eventId: string;
  type: string;
  url: string;
  /** 1 for the first try of a delivery, then 2, 3... for its retries. */
  attempt: number;
  /** 0 for the event itself, 1..N for the copies the duplicateDeliveries knob adds. */
  copy: number;
  resend: boolean;
  statusCode: number | null;
  error: string | null;
  /** What the endpoint answered, cut at RESPONSE_BODY_LIMIT bytes (as Stripe's dashboard shows it); null without a response. */
  responseBody: string | null;
  at: string;
  durationMs: number;
  /** When the attempt failed and another one is scheduled: in how long. */
  nextRetryInMs: number | null;
}

export interface WebhookOutage {
  active: boolean;
  /** When the outage ends (ISO time); null when none is set. */
  endsAt: string | null;
  /** Attempts failed by this outage so far (the first ones and retries). */
  droppedAttempts: number;
}

/** What a dropped attempt records as its error, like a refused connection. */
export const OUTAGE_ERROR = 'connect ECONNREFUSED (emulated webhook outage)';

interface DeliveryJob {
  deliveryId: string;
  event: StripeEvent;
  payload: string;
  url: string;
  copy: number;
  resend: boolean;
  attempt: number;
  /** Jobs from before a reset() must not record attempts into the fresh log. */
  generation: number;
}

export interface WebhookDispatcherOptions {
  secret: string;
  config: () => EmulatorConfig;
  log: (line: string) => void;
  /** Called once per event, on its first 2xx (Stripe then lowers `pending_webhooks`). */
  onDelivered: (event: StripeEvent) => void;
}

/** How much of an endpoint's answer an attempt keeps. */
export const RESPONSE_BODY_LIMIT = 2048;

/** First attempts start in event order; like Stripe's, they may complete in any order. */
const MAX_CONCURRENT_DELIVERIES = 8;

export class WebhookDispatcher {
  private readonly queue: DeliveryJob[] = [];
  private held: DeliveryJob[] = [];
  private holdTimer: NodeJS.Timeout | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Map<http.ClientRequest, Promise<void>>();
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly delivered = new Set<string>();
  /** Deliveries being sent now: Stripe sends concurrently, and a serial queue throttled the whole local cloud. */
  private active = 0;
  private closed = false;
  private generation = 0;
  private outageEndsAt: number | null = null;
  private droppedAttempts = 0;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /** Queues an event for delivery; false when no webhook URL is configured. */
  enqueue(event: StripeEvent, resend = false): boolean {
    const config = this.options.config();
    if (this.closed || !config.webhookUrl) return false;
    const payload = JSON.stringify(event, null, 2);
    const copies = resend ? 1 : 1 + config.duplicateDeliveries;
    const jobs: DeliveryJob[] = [];
    for (let copy = 0; copy < copies; copy++) {
      jobs.push({ deliveryId: newId('whdel'), event, payload, url: config.webhookUrl, copy, resend, attempt: 1, generation: this.generation });
    }
    if (config.reorderDeliveries !== 'off' && !resend) {
      this.held.push(...jobs);
      this.holdTimer ??= setTimeout(() => this.releaseHeld(), config.reorderWindowMs);
    } else {
      this.queue.push(...jobs);
      this.pump();
    }
    return true;
  }

  /** Every attempt from now until `forMs` have passed fails as if the endpoint were down. */
  startOutage(forMs: number): WebhookOutage {
    this.outageEndsAt = Date.now() + forMs;
    this.droppedAttempts = 0;
    return this.outage();
  }

  /** Ends the outage at once: the next attempts (retries already scheduled) go out. */
  endOutage(): WebhookOutage {
    this.outageEndsAt = null;
    return this.outage();
  }

  outage(): WebhookOutage {
    const active = this.outageEndsAt !== null && Date.now() < this.outageEndsAt;
    return { active, endsAt: this.outageEndsAt === null ? null : new Date(this.outageEndsAt).toISOString(), droppedAttempts: this.droppedAttempts };
  }

  attemptsLog(): DeliveryAttempt[] {
    return this.attempts.map((a) => ({ ...a }));
  }

  /** Deliveries not finished yet: queued, held for reordering, in flight or waiting for a retry. */
  pendingCount(): number {
    return this.queue.length + this.held.length + this.retryTimers.size + this.inFlight.size;
  }

  /** Drops everything pending and forgets the log (the emulator's reset). */
  reset(): void {
    this.generation++;
    this.cancelPending();
    this.attempts.length = 0;
    this.delivered.clear();
    this.outageEndsAt = null;
    this.droppedAttempts = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelPending();
    await Promise.all(this.inFlight.values());
  }

  private cancelPending(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.held = [];
    this.queue.length = 0;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const request of this.inFlight.keys()) request.destroy(new Error('emulator stopped'));
  }

  private releaseHeld(): void {
    this.holdTimer = null;
    const jobs = this.held;
    this.held = [];
    const mode = this.options.config().reorderDeliveries;
    const ordered = mode === 'shuffle' ? shuffle(jobs) : mode === 'newest-first' ? jobs.reverse() : jobs;
    this.queue.push(...ordered);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active < MAX_CONCURRENT_DELIVERIES) {
      const job = this.queue.shift();
      if (!job) return;
      this.active++;
      void this.send(job).then(() => {
        this.active--;
        this.pump();
      });
    }
  }

  /** One attempt. Never rejects: the outcome goes to the attempts log and, on failure, to a retry. */
  private send(job: DeliveryJob): Promise<void> {
    const { timeoutMs } = this.options.config();
    const started = Date.now();
    if (this.outage().active) {
      this.droppedAttempts++;
      this.recordAttempt(job, null, OUTAGE_ERROR, started, null);
      return Promise.resolve();
    }
    // A fresh timestamp and signature on every attempt, so retries pass the receiver's tolerance check.
    const signature = signWebhookPayload(job.payload, this.options.secret, unixSeconds(started));
    const url = new URL(job.url);
    const transport = url.protocol === 'https:' ? https : http;
    let request!: http.ClientRequest;
    const done = new Promise<void>((resolve) => {
      let settled = false;
      const body: Buffer[] = [];
      let kept = 0;
      const finish = (statusCode: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        this.inFlight.delete(request);
        this.recordAttempt(job, statusCode, error, started, statusCode === null ? null : bodyText(Buffer.concat(body), kept));
        resolve();
      };
      request = transport.request(url, {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(job.payload),
          'Stripe-Signature': signature,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          Accept: '*/*; q=0.5, application/xml',
          'Cache-Control': 'no-cache',
        },
      });
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no response within ${timeoutMs} ms`)));
      request.on('response', (response) => {
        response.on('data', (chunk: Buffer) => {
          // Read to the end (the socket is freed), keep the first bytes only.
          if (kept <= RESPONSE_BODY_LIMIT) body.push(chunk.subarray(0, RESPONSE_BODY_LIMIT + 1 - kept));
          kept += chunk.length;
        });
        response.on('end', () => finish(response.statusCode ?? null, null));
        response.on('close', () => finish(response.statusCode ?? null, null));
      });
      request.on('error', (error) => finish(null, error.message));
      request.end(job.payload);
    });
    this.inFlight.set(request, done);
    return done;
  }

  private recordAttempt(job: DeliveryJob, statusCode: number | null, error: string | null, started: number, responseBody: string | null): void {
    if (job.generation !== this.generation) return;
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const { maxAttempts, retryBaseDelayMs } = this.options.config();
    const retry = !ok && !this.closed && job.attempt < maxAttempts;
    const delay = retry ? retryBaseDelayMs * 2 ** (job.attempt - 1) : null;
    this.attempts.push({
      deliveryId: job.deliveryId,
      eventId: job.event.id,
      type: job.event.type,
      url: job.url,
      attempt: job.attempt,
      copy: job.copy,
      resend: job.resend,
      statusCode,
      error,
      responseBody,
      at: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      nextRetryInMs: delay,
    });
    const target = safeUrl(job.url);
    this.options.log(
      `webhook ${job.event.type} ${job.event.id} -> ${target} attempt ${job.attempt}${job.copy ? ` (copy ${job.copy})` : ''}: ${statusCode ?? error}` +
        (delay !== null ? `, retry in ${delay} ms` : ''),
    );
    if (ok && !this.delivered.has(job.event.id)) {
      this.delivered.add(job.event.id);
      this.options.onDelivered(job.event);
    }
    if (delay !== null) {
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (!this.closed) void this.send({ ...job, attempt: job.attempt + 1 });
      }, delay);
      this.retryTimers.add(timer);
    }
  }
}

/** The body as text, cut at RESPONSE_BODY_LIMIT bytes (received: how many bytes came in all). */
function bodyText(head: Buffer, received: number): string {
  if (received <= RESPONSE_BODY_LIMIT) return head.toString('utf8');
  return `${head.subarray(0, RESPONSE_BODY_LIMIT).toString('utf8')}… (truncated)`;
}

/** Origin and path only: a query string may carry a token. */
function safeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
