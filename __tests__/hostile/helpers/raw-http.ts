import { connect } from 'node:net';

/**
 * HTTP/1.1 written byte for byte on a fresh socket: no client library between the generator and the server,
 * so a request target or header value can hold what a real attacker sends (raw bytes, odd encodings, a bare
 * `Host`). One request per connection (`Connection: close`).
 */
export interface RawAnswer {
  status: number;
  /** Lower-case names; a repeated header keeps every value. */
  headers: Record<string, string[]>;
  /** Status line and header lines, as sent. */
  head: string;
  body: string;
}

export function rawRequest(port: number, method: string, target: string, headers: [string, string][], timeoutMs = 5_000): Promise<RawAnswer> {
  const lines = [`${method} ${target} HTTP/1.1`, ...headers.map(([name, value]) => `${name}: ${value}`), 'Connection: close', '', ''];
  // Header values are bytes: a string's UTF-8 bytes, written as they are.
  const bytes = Buffer.from(lines.join('\r\n'), 'utf8');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${method} ${target.slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close while we are still writing a request it already refused (431): keep its answer.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks).toString('latin1')));
    });
    // write, not end: a half-closed socket may be dropped before an async handler answers.
    socket.write(bytes);
  });
}

function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end + 4);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return { status, headers, head, body };
}
