import { describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { createWechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { resolveConfig } from '../../lib/config/config.js';

const base = {
  appId: 'wx0123456789abcdef',
  appSecret: '0123456789abcdef0123456789abcdef',
  session: { secret: 'a-session-secret-of-thirty-two-chars!' },
  publicUrl: 'https://example.com',
} satisfies Partial<WechatLoginOptions>;

const resolve = (redis: unknown) => resolveConfig({ ...base, redis } as WechatLoginOptions, () => undefined).redis;

function message(redis: unknown): string {
  try {
    resolve(redis);
  } catch (e) {
    expect((e as Error & { code?: string }).code).toBe('ERR_WECHAT_INVALID_OPTION');
    return (e as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('the "redis" option', () => {
  it('takes an ioredis Cluster as it is (typed: no cast), and leaves it open on close()', async () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const wechat = createWechatLogin({ ...base, redis: cluster }, { warn: () => undefined });
    expect(resolve(cluster)).toBe(cluster);
    await wechat.close();
    expect(cluster.status).toBe('wait');
  });

  it('takes a client or a URL as before', () => {
    const client = new Redis({ lazyConnect: true });
    expect(resolve(client)).toBe(client);
    expect(resolve('rediss://cache.example.com:6380')).toBe('rediss://cache.example.com:6380');
  });

  it('reads seed nodes once: host:port, [IPv6]:port, or URLs sharing one password and scheme', () => {
    expect(resolve({ cluster: ['10.0.0.1:7000', 'redis-2.internal:7001', '[::1]:7002'] })).toEqual([
      { host: '10.0.0.1', port: 7000, tls: false },
      { host: 'redis-2.internal', port: 7001, tls: false },
      { host: '::1', port: 7002, tls: false },
    ]);
    expect(resolve({ cluster: ['rediss://app:s%40cret@10.0.0.1:7000', 'rediss://app:s%40cret@10.0.0.2'] })).toEqual([
      { host: '10.0.0.1', port: 7000, username: 'app', password: 's@cret', tls: true },
      { host: '10.0.0.2', port: 6379, username: 'app', password: 's@cret', tls: true },
    ]);
  });

  it.each([
    [{ cluster: [] }, /"redis\.cluster" must be a non-empty array of seed nodes, such as \["10\.0\.0\.1:6379"/],
    [{ cluster: '10.0.0.1:7000' }, /"redis\.cluster" must be a non-empty array/],
    [{ cluster: ['10.0.0.1:7000', 'localhost'] }, /"redis\.cluster\[1\]" must be "host:port" or a redis:\/\/ or rediss:\/\/ URL/],
    [{ cluster: ['http://10.0.0.1:7000'] }, /"redis\.cluster\[0\]" must be "host:port"/],
    [{ cluster: ['10.0.0.1:99999'] }, /"redis\.cluster\[0\]" must be "host:port"/],
    [{ cluster: ['redis://10.0.0.1:7000/2'] }, /"redis\.cluster\[0\]" must be "host:port"/],
    [{ cluster: ['redis://:one-secret@10.0.0.1:7000', 'redis://:other-secret@10.0.0.2:7000'] }, /"redis\.cluster" nodes must share one user, password and scheme/],
    [{ cluster: ['redis://10.0.0.1:7000', 'rediss://10.0.0.2:7000'] }, /"redis\.cluster" nodes must share one user, password and scheme/],
    [{ nodes: ['10.0.0.1:7000'] }, /"redis" must be an ioredis client \(new Redis\(\.\.\.\) or new Cluster\(\.\.\.\)\), a redis:\/\/ URL, or \{ cluster: \["host:port", …\] \}/],
  ])('refuses %j, naming the option and the fix', (redis, expected) => {
    const text = message(redis);
    expect(text).toMatch(expected);
    expect(text).not.toMatch(/secret/);
  });
});
