import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedis } from '../../lib/store/redis-client.js';
import { freePort } from '../helpers/redis-server.js';

// ioredis prints "[ioredis] Unhandled error event" and a stack to stderr for each error of a client nobody
// listens to (a Cluster's "Failed to refresh slots cache" among them; a single server's refused connections it
// keeps quiet itself): through an outage that is several blocks a second in the app's log.
describe('the Redis client we create from a URL or seed nodes', () => {
  const clients: ReturnType<typeof connectRedis>[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
    jest.restoreAllMocks();
  });

  it('keeps cluster errors out of stderr (no seed node answers)', async () => {
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const client = connectRedis([{ host: '127.0.0.1', port: await freePort(), tls: false }]);
    clients.push(client);
    // Several reconnect attempts fail in this time (ioredis retries after 50, 100, 150 ms, …).
    await sleep(700);
    expect(printed.mock.calls.map((args) => String(args[0]))).toEqual([]);
  });
});
