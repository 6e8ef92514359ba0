/**
 * `stripe listen` sessions: what Stripe keeps for each running CLI (the protocol is described in
 * the team's notes, stripe-cli-listen.md, and docs/stripe-emulator.md). A session is created by
 * `POST /v1/stripecli/sessions`; the CLI then holds a websocket (listen-websocket.ts) identified
 * only by the session's id. Every event goes to every live session whose features cover it; the
 * CLI filters by type itself. The emulator signs each message with the session's secret (the CLI
 * signs nothing) and keeps it until the CLI acks it: the CLI drops what arrives while it resets its
 * connection, so unacked events are sent again, re-signed, on the next connection.
 */
import { createHmac } from 'node:crypto';
import type { WebSocket } from 'ws';
import { newId, unixSeconds } from './ids';
import type { StripeEvent } from './types';
import { signWebhookPayload } from './webhook-signature';

/** The features a session may ask for (`websocket_features[]`): snapshot events and thin (v2) events. */
export type ListenFeature = 'webhooks' | 'v2_events';

export interface ListenSettings {
  /** The CLI closes and re-opens its websocket this often (its default when 0 is 60 s). */
  reconnectDelaySeconds: number;
}

export const DEFAULT_LISTEN_SETTINGS: ListenSettings = { reconnectDelaySeconds: 60 };

export interface ListenSessionView {
  id: string;
  deviceName: string;
  features: ListenFeature[];
  createdAt: string;
  /** A websocket is open now. */
  connected: boolean;
  /** Websockets opened so far with this session's id (1 + reconnects). */
  connections: number;
  lastConnectedAt: string | null;
  /** Events sent or waiting to be sent that the CLI has not acked yet. */
  unacked: number;
  /** live: receives events; expired: refused at the next connection (the CLI then starts a new session); ended: the CLI said goodbye. */
  state: 'live' | 'expired' | 'ended';
}

export interface ListenResponse {
  /** Where the CLI POSTed the event (one response per local route, `-a` may give several). */
  forwardUrl: string;
  status: number;
  /** The response body, as the CLI reports it (cut at 5,000 bytes by the CLI). */
  body: string;
  /** From the emulator's last send of the event to the CLI's report: websocket, forward and response. */
  latencyMs: number;
  at: string;
}

/** One event sent to one session. */
export interface ListenDelivery {
  sessionId: string;
  webhookId: string;
  conversationId: string;
  eventId: string;
  type: string;
  /** Sent again by `POST /v1/events/:id/retry` (`stripe events resend`). */
  resend: boolean;
  createdAt: string;
  /** Websocket messages carrying it so far (more than 1 after a reconnect before its ack). */
  sends: number;
  ackedAt: string | null;
  responses: ListenResponse[];
}

interface Session {
  id: string;
  apiKey: string;
  deviceName: string;
  features: Set<ListenFeature>;
  secret: string;
  createdAt: number;
  socket: WebSocket | null;
  connections: number;
  lastConnectedAt: number | null;
  /** When its last websocket closed (null while one is open or before the first). */
  disconnectedAt: number | null;
  state: ListenSessionView['state'];
  expiredAt: number | null;
  /** Unacked deliveries by webhook id, in event order. */
  unacked: Map<string, TrackedDelivery>;
}

interface TrackedDelivery {
  record: ListenDelivery;
  event: StripeEvent;
  payload: string;
  lastSentAt: number;
}

/** Events for an expired session are kept this long for the session the CLI creates next (it waits 10 s). */
const EXPIRED_SESSION_GRACE_MS = 60_000;
/**
 * A session that never connects (`stripe listen --print-secret` creates one and exits) is dropped
 * after this; until then it queues events, since the CLI dials its websocket right after creating it.
 */
const NEVER_CONNECTED_GRACE_MS = 30_000;
/**
 * A session whose CLI has been away this long is over: a stopped CLI rarely says goodbye (its
 * websocket just drops), while a reconnecting one is back within seconds (10 s between attempts).
 */
const ABANDONED_AFTER_MS = 60_000;
/** A session nobody reads from stops growing here; the oldest unacked events are dropped first. */
const MAX_UNACKED_PER_SESSION = 1000;
/** Not a secret: it only makes a listen secret stable per API key, as Stripe's is per account. */
const SECRET_DERIVATION_KEY = 'checkout-saga stripe emulator: stripe listen secret';

export class ListenSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly deliveries: ListenDelivery[] = [];
  private readonly byWebhookId = new Map<string, TrackedDelivery>();
  settings: ListenSettings;

  constructor(
    private readonly log: (line: string) => void,
    settings: Partial<ListenSettings> = {},
  ) {
    this.settings = { ...DEFAULT_LISTEN_SETTINGS, ...settings };
  }

  /** `whsec_...`, the same for every session of one API key: `stripe listen --print-secret` then `stripe listen` agree. */
  static secretFor(apiKey: string): string {
    return `whsec_${createHmac('sha256', SECRET_DERIVATION_KEY).update(apiKey).digest('hex')}`;
  }

  create(apiKey: string, deviceName: string, features: ListenFeature[]): { id: string; secret: string } {
    const session: Session = {
      id: newId('cliws'),
      apiKey,
      deviceName,
      features: new Set(features),
      secret: ListenSessions.secretFor(apiKey),
      createdAt: Date.now(),
      socket: null,
      connections: 0,
      lastConnectedAt: null,
      disconnectedAt: null,
      state: 'live',
      expiredAt: null,
      unacked: new Map(),
    };
    // The CLI re-creates its session after "Unknown WebSocket ID.": what the old one had not acked moves on.
    for (const previous of this.sessions.values()) {
      if (previous.state !== 'expired' || previous.apiKey !== apiKey || previous.deviceName !== deviceName) continue;
      for (const tracked of previous.unacked.values()) {
        tracked.record.sessionId = session.id;
        session.unacked.set(tracked.record.webhookId, tracked);
      }
      previous.unacked.clear();
      this.sessions.delete(previous.id);
    }
    this.sessions.set(session.id, session);
    this.log(`listen session ${session.id} created for device ${deviceName} (${features.join(', ') || 'no features'})`);
    return { id: session.id, secret: session.secret };
  }

  /** The session a websocket upgrade may attach to; undefined for an unknown, forged or expired id. */
  acceptable(sessionId: string): boolean {
    return this.sessions.get(sessionId)?.state === 'live';
  }

  /** A websocket opened for a live session: it replaces any previous one and gets every unacked event. */
  attach(sessionId: string, socket: WebSocket): void {
    const session = this.sessions.get(sessionId);
    if (!session || session.state !== 'live') {
      socket.terminate();
      return;
    }
    const previous = session.socket;
    session.socket = socket;
    session.connections++;
    session.lastConnectedAt = Date.now();
    session.disconnectedAt = null;
    if (previous && previous !== socket) previous.terminate();
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.receive(session, data.toString());
    });
    socket.on('close', (code, reason) => {
      if (session.socket === socket) {
        session.socket = null;
        session.disconnectedAt = Date.now();
      }
      this.log(`listen session ${session.id} disconnected (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
      // The CLI's Ctrl-C: close 1000 "Connection Done". Its periodic reset says "Resetting the connection".
      if (code === 1000 && reason.toString() === 'Connection Done' && session.state === 'live') {
        session.state = 'ended';
        this.log(`listen session ${session.id} ended by the CLI (${session.unacked.size} unacked events dropped)`);
        this.forget(session);
      }
    });
    this.log(`listen session ${session.id} connected (connection ${session.connections}, ${session.unacked.size} unacked events to send)`);
    for (const tracked of session.unacked.values()) this.send(session, tracked);
  }

  /** A new event (or a resend): to every session that can receive it. Returns how many of them have a CLI behind them. */
  publish(event: StripeEvent, resend = false): number {
    const now = Date.now();
    let recipients = 0;
    for (const session of [...this.sessions.values()]) {
      if (session.state === 'ended') continue;
      if (session.connections === 0 && now - session.createdAt > NEVER_CONNECTED_GRACE_MS) {
        this.sessions.delete(session.id);
        this.forget(session);
        continue;
      }
      if (session.state === 'live' && session.disconnectedAt !== null && now - session.disconnectedAt > ABANDONED_AFTER_MS) {
        session.state = 'ended';
        this.log(`listen session ${session.id} abandoned: no connection for ${ABANDONED_AFTER_MS / 1000} s (${session.unacked.size} unacked events dropped)`);
        this.forget(session);
        continue;
      }
      if (session.state === 'expired' && now - session.expiredAt! > EXPIRED_SESSION_GRACE_MS) {
        this.forget(session);
        continue;
      }
      // Snapshot events travel as `webhook_event`, which only `webhooks` sessions may get: the CLI
      // treats an empty snapshot list (`--all-thin`) as "all" and would forward them.
      if (!session.features.has('webhooks')) continue;
      const record: ListenDelivery = {
        sessionId: session.id,
        webhookId: newId('we'),
        conversationId: newId('wc'),
        eventId: event.id,
        type: event.type,
        resend,
        createdAt: new Date(now).toISOString(),
        sends: 0,
        ackedAt: null,
        responses: [],
      };
      const tracked: TrackedDelivery = { record, event, payload: JSON.stringify(event, null, 2), lastSentAt: now };
      this.byWebhookId.set(record.webhookId, tracked);
      session.unacked.set(record.webhookId, tracked);
      if (session.unacked.size > MAX_UNACKED_PER_SESSION) {
        const [oldest] = session.unacked.keys();
        session.unacked.delete(oldest);
        this.log(`listen session ${session.id}: more than ${MAX_UNACKED_PER_SESSION} unacked events, the oldest dropped`);
      }
      if (session.state === 'live') this.send(session, tracked);
      // A session that never connected may be a `--print-secret` one: queued for, not counted as open.
      if (session.connections > 0) recipients++;
    }
    return recipients;
  }

  /** Closes the session's websocket as a server restart would: the CLI reconnects with the same id. */
  disconnect(sessionId: string): boolean {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    session.socket?.terminate();
    session.socket = null;
    return true;
  }

  /** Expires the session: its next connection is refused with "Unknown WebSocket ID.", so the CLI creates a new one. */
  expire(sessionId: string): boolean {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    if (session.state === 'live') {
      session.state = 'expired';
      session.expiredAt = Date.now();
    }
    session.socket?.terminate();
    session.socket = null;
    this.log(`listen session ${session.id} expired`);
    return true;
  }

  /** Every session, oldest first. */
  list(): ListenSessionView[] {
    return [...this.sessions.values()].map((session) => ({
      id: session.id,
      deviceName: session.deviceName,
      features: [...session.features],
      createdAt: new Date(session.createdAt).toISOString(),
      connected: session.socket !== null && session.socket.readyState === session.socket.OPEN,
      connections: session.connections,
      lastConnectedAt: session.lastConnectedAt === null ? null : new Date(session.lastConnectedAt).toISOString(),
      unacked: session.unacked.size,
      state: session.state,
    }));
  }

  /** Every event sent to a session, in the order of first sends, with the CLI's ack and the responses it reported. */
  history(): ListenDelivery[] {
    return this.deliveries.map((record) => ({ ...record, responses: record.responses.map((response) => ({ ...response })) }));
  }

  /** Live sessions that receive snapshot events (what `stripe events resend` re-sends to). */
  receivingSessions(): number {
    return [...this.sessions.values()].filter((session) => session.state === 'live' && session.features.has('webhooks')).length;
  }

  /** The emulator's reset: forgets what was sent, keeps the sessions (the CLIs stay connected). */
  clearHistory(): void {
    this.deliveries.length = 0;
    this.byWebhookId.clear();
    for (const session of this.sessions.values()) session.unacked.clear();
  }

  close(): void {
    for (const session of this.sessions.values()) session.socket?.terminate();
    this.sessions.clear();
  }

  private forget(session: Session): void {
    for (const tracked of session.unacked.values()) this.byWebhookId.delete(tracked.record.webhookId);
    session.unacked.clear();
    if (session.state === 'expired') this.sessions.delete(session.id);
  }

  private send(session: Session, tracked: TrackedDelivery): void {
    const socket = session.socket;
    if (!socket || socket.readyState !== socket.OPEN) return;
    tracked.lastSentAt = Date.now();
    // Recorded at its first send: a session that never connects (--print-secret) leaves no history.
    if (tracked.record.sends === 0) this.deliveries.push(tracked.record);
    tracked.record.sends++;
    socket.send(
      JSON.stringify({
        type: 'webhook_event',
        webhook_id: tracked.record.webhookId,
        webhook_conversation_id: tracked.record.conversationId,
        event_payload: tracked.payload,
        // Copied verbatim onto the forwarded POST: the CLI adds no header of its own, no signature either.
        http_headers: {
          Accept: '*/*; q=0.5, application/xml',
          'Cache-Control': 'no-cache',
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          // Signed at each send: a resend after a reconnect must pass the receiver's 5-minute tolerance.
          'Stripe-Signature': signWebhookPayload(tracked.payload, session.secret, unixSeconds(tracked.lastSentAt)),
        },
        // A non-null api_version makes the CLI drop the event unless it runs with --latest.
        endpoint: { url: null, api_version: null },
      }),
    );
  }

  private receive(session: Session, text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.log(`listen session ${session.id}: a message that is not JSON was ignored`);
      return;
    }
    const tracked = typeof message.webhook_id === 'string' ? this.byWebhookId.get(message.webhook_id) : undefined;
    if (message.type === 'event_ack') {
      if (!tracked || tracked.record.eventId !== message.event_id) return;
      tracked.record.ackedAt ??= new Date().toISOString();
      session.unacked.delete(tracked.record.webhookId);
      return;
    }
    if (message.type === 'webhook_response') {
      if (!tracked) return;
      const response: ListenResponse = {
        forwardUrl: String(message.forward_url ?? ''),
        status: Number(message.status),
        body: String(message.body ?? ''),
        latencyMs: Date.now() - tracked.lastSentAt,
        at: new Date().toISOString(),
      };
      tracked.record.responses.push(response);
      this.log(`listen ${tracked.record.type} ${tracked.record.eventId} -> ${safeUrl(response.forwardUrl)}: ${response.status} (${response.latencyMs} ms, session ${session.id})`);
    }
  }
}

/** Origin and path only: a query string may carry a token. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(no url)';
  }
}
