import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A load balancer with no stickiness: each request goes to the next backend in turn, whatever its cookies. It
 * appends the connecting address to X-Forwarded-For, so apps trusting loopback hops (`trust proxy`) see the
 * address a driver gives in that header as the client's: many browsers from one test process.
 */
export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Requests sent to each backend so far, in the order the backends were given. */
  readonly forwarded: number[];
  /** Requests that reached no backend (answered 502). */
  readonly failed: number;
  close(): Promise<void>;
}

/** Starts the proxy on a free localhost port in front of `backends` (`http://host:port` each). */
export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  if (backends.length === 0) throw new TypeError('startRoundRobinProxy: at least one backend');
  const targets = backends.map((b) => new URL(b));
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const forwarded = targets.map(() => 0);
  let failed = 0;
  let next = 0;

  const server: Server = createServer((req, res) => {
    const index = next++ % targets.length;
    const target = targets[index]!;
    forwarded[index]!++;
    // As nginx's $proxy_add_x_forwarded_for: the address the request came from, after any the client sent.
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': forwardedFor }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      failed++;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: backend ${index} failed: ${error.message}`);
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    get failed() {
      return failed;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
