/**
 * The websocket of `stripe listen`: the CLI dials the `websocket_url` of its session with the
 * session's id in a `Websocket-Id` header (its only credential: no API key is sent). An unknown,
 * forged or expired id is answered with the exact error the CLI recognises ("Unknown WebSocket
 * ID."), after which it creates a new session; anything else it would retry forever.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ListenSessions } from './listen-sessions';

export const LISTEN_WEBSOCKET_PATH = '/stripecli/websocket';
/** The CLI compares the message text exactly. */
export const UNKNOWN_WEBSOCKET_ID = 'Unknown WebSocket ID.';

export class ListenWebsocket {
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  constructor(
    private readonly sessions: ListenSessions,
    private readonly log: (line: string) => void,
  ) {}

  /** The HTTP server's 'upgrade' event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== LISTEN_WEBSOCKET_PATH) {
      refuse(socket, 404, { error: { type: 'invalid_request_error', message: `Unrecognized websocket URL (${path}).` } });
      return;
    }
    const header = request.headers['websocket-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (!sessionId || !this.sessions.acceptable(sessionId)) {
      this.log(`listen websocket refused: ${sessionId ? 'unknown or expired session id' : 'no Websocket-Id header'}`);
      refuse(socket, 400, { error: { message: UNKNOWN_WEBSOCKET_ID } });
      return;
    }
    this.server.handleUpgrade(request, socket, head, (websocket) => this.sessions.attach(sessionId, websocket));
  }

  close(): void {
    for (const client of this.server.clients) client.terminate();
    this.server.close();
  }
}

function refuse(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const reason = status === 404 ? 'Not Found' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}
