import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestId } from './ids.js';

/**
 * `authorize`: the Official Account's page; `qrconnect`: the website app's QR page; `stable_token`, `token`,
 * `getticket`: the app access token (/cgi-bin/stable_token, /cgi-bin/token) and the JS-SDK ticket.
 */
export type EmulatorEndpoint = 'authorize' | 'qrconnect' | 'access_token' | 'refresh_token' | 'userinfo' | 'auth' | 'stable_token' | 'token' | 'getticket';
/**
 * - `busy`: `{ errcode: -1, errmsg: 'system error' }` with HTTP 200, WeChat's "system busy"
 * - `http500`: HTTP 500 with an HTML body
 * - `http502`: HTTP 502 with a gateway's HTML body
 * - `garbage`: HTTP 200 with a body that is not JSON (a proxy's error page)
 * - `hang`: never answers, until the emulator is closed
 * - `reset`: destroys the socket without an answer
 * - `slow`: the normal answer, after `delayMs` (default {@link DEFAULT_SLOW_MS})
 */
export type EmulatorFault = 'busy' | 'http500' | 'http502' | 'garbage' | 'hang' | 'reset' | 'slow';

export const ENDPOINTS: readonly EmulatorEndpoint[] = ['authorize', 'qrconnect', 'access_token', 'refresh_token', 'userinfo', 'auth', 'stable_token', 'token', 'getticket'];
export const FAULTS: readonly EmulatorFault[] = ['busy', 'http500', 'http502', 'garbage', 'hang', 'reset', 'slow'];
export const DEFAULT_SLOW_MS = 1_000;

export interface FaultOptions {
  /** How long a `slow` fault holds the answer back, in ms. */
  delayMs?: number;
}

/** A fault due now, with its delay when it is `slow`. */
export interface DueFault {
  fault: EmulatorFault;
  delayMs: number;
}

interface QueuedFault extends DueFault {
  endpoint: EmulatorEndpoint | '*';
  remaining: number;
}

/** Faults waiting for the next calls of an endpoint, consumed in the order they were injected. */
export class FaultQueue {
  private queue: QueuedFault[] = [];

  add(endpoint: EmulatorEndpoint | '*', fault: EmulatorFault, times = 1, { delayMs = DEFAULT_SLOW_MS }: FaultOptions = {}): void {
    if (endpoint !== '*' && !ENDPOINTS.includes(endpoint)) {
      throw new TypeError(`"endpoint" must be one of ${ENDPOINTS.join(', ')} or '*', got ${JSON.stringify(endpoint)}`);
    }
    if (!FAULTS.includes(fault)) {
      throw new TypeError(`"fault" must be one of ${FAULTS.join(', ')}, got ${JSON.stringify(fault)}`);
    }
    if (!Number.isInteger(times) || times < 1) throw new TypeError('"times" must be a positive integer');
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new TypeError('"delayMs" must be a non-negative number of milliseconds');
    }
    this.queue.push({ endpoint, fault, remaining: times, delayMs });
  }

  clear(): void {
    this.queue = [];
  }

  /** The fault for this call, if one is due; using it counts down its `times`. */
  take(endpoint: EmulatorEndpoint): DueFault | undefined {
    const index = this.queue.findIndex((f) => f.endpoint === '*' || f.endpoint === endpoint);
    if (index === -1) return undefined;
    const entry = this.queue[index]!;
    if (--entry.remaining === 0) this.queue.splice(index, 1);
    return { fault: entry.fault, delayMs: entry.delayMs };
  }
}

/** Answers (or refuses to answer) a request the way the fault describes; `slow` is the caller's (it answers normally, later). */
export function applyFault(fault: Exclude<EmulatorFault, 'slow'>, req: IncomingMessage, res: ServerResponse): void {
  switch (fault) {
    case 'busy': {
      const body = JSON.stringify({ errcode: -1, errmsg: `system error, rid: ${requestId()}` });
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    case 'http500':
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
      return;
    case 'http502':
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>');
      return;
    case 'garbage':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body>stgw</body></html>');
      return;
    case 'hang':
      // Nothing is written; the emulator's close() destroys the socket.
      return;
    case 'reset':
      req.socket.destroy();
      return;
  }
}
