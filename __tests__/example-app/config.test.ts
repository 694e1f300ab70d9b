import { describe, expect, it } from '@jest/globals';
import { ENV_NAMES, describeRedis, readExampleConfig } from '../../example-app/config.js';

const redisOf = (env: Record<string, string>) => readExampleConfig(env).redis;

describe('example app environment: where logins and sessions live', () => {
  it('REDIS_URL is one Redis server, passed to createWechatLogin as the URL', () => {
    expect(redisOf({ REDIS_URL: 'redis://127.0.0.1:6379/2' })).toBe('redis://127.0.0.1:6379/2');
  });

  it('REDIS_CLUSTER_NODES is a Redis Cluster: its seed nodes, trimmed, as { cluster }', () => {
    expect(redisOf({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7000 ,redis-3.internal:7000' })).toEqual({
      cluster: ['10.0.0.1:7000', '10.0.0.2:7000', 'redis-3.internal:7000'],
    });
    expect(redisOf({ REDIS_CLUSTER_NODES: '[::1]:7000' })).toEqual({ cluster: ['[::1]:7000'] });
    // A password or TLS: URL entries, sharing one scheme and credentials.
    expect(redisOf({ REDIS_CLUSTER_NODES: 'rediss://:pw@a:7000,rediss://:pw@b:7000' })).toEqual({ cluster: ['rediss://:pw@a:7000', 'rediss://:pw@b:7000'] });
  });

  it('neither: the in-memory demo, with a warning naming both variables', () => {
    const config = readExampleConfig({});
    expect(config.redis).toBeUndefined();
    expect(config.warnings.join('\n')).toMatch(/Neither REDIS_URL nor REDIS_CLUSTER_NODES is set.*NOT FOR PRODUCTION/);
    expect(readExampleConfig({ REDIS_CLUSTER_NODES: 'a:1' }).warnings.join('\n')).not.toContain('REDIS_URL');
  });

  it('refuses both at once', () => {
    expect(() => readExampleConfig({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'a:7000' })).toThrow(
      new TypeError('Set REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both'),
    );
  });

  it.each([
    ['10.0.0.1', 'REDIS_CLUSTER_NODES must be host:port (e.g. 10.0.0.1:6379), or a redis:// or rediss:// URL with a port; got "10.0.0.1"'],
    ['10.0.0.1:7000,10.0.0.2', 'REDIS_CLUSTER_NODES entry 2 of 2 must be host:port (e.g. 10.0.0.1:6379), or a redis:// or rediss:// URL with a port; got "10.0.0.2"'],
    ['10.0.0.1:7000,', 'REDIS_CLUSTER_NODES entry 2 of 2 must be host:port (e.g. 10.0.0.1:6379), or a redis:// or rediss:// URL with a port; got an empty entry (a stray comma?)'],
    ['a:0', 'got "a:0"'],
    ['a:65536', 'got "a:65536"'],
    ['a:7000;b:7000', 'got "a:7000;b:7000"'],
    ['http://a:7000', 'got "http://a:7000"'],
    ['redis://a', 'got "redis://a"'],
    ['redis://a:7000/1', 'got "redis://a:7000/1"'],
  ])('a bad entry is named: %j', (value, message) => {
    expect(() => readExampleConfig({ REDIS_CLUSTER_NODES: value })).toThrow(TypeError);
    expect(() => readExampleConfig({ REDIS_CLUSTER_NODES: value })).toThrow(message);
  });

  it('a bad entry with a password is shown without it', () => {
    expect(() => readExampleConfig({ REDIS_CLUSTER_NODES: 'redis://:hunter2@a' })).toThrow('got "redis://:***@a"');
  });

  it('URL entries must agree on scheme and credentials (ioredis uses one set for every node)', () => {
    for (const value of ['redis://:pw@a:7000,b:7000', 'redis://:pw@a:7000,rediss://:pw@b:7000', 'redis://:one@a:7000,redis://:two@b:7000']) {
      expect(() => readExampleConfig({ REDIS_CLUSTER_NODES: value })).toThrow(
        'REDIS_CLUSTER_NODES entries must share one scheme, user and password: they apply to every node of the cluster',
      );
    }
  });

  it('takes a website app only with both WECHAT_WEBSITE_APP_ID and WECHAT_WEBSITE_APP_SECRET', () => {
    expect(readExampleConfig({}).websiteApp).toBeUndefined();
    expect(readExampleConfig({ WECHAT_WEBSITE_APP_ID: 'wx8d4b2e6f10a3c957', WECHAT_WEBSITE_APP_SECRET: 's3cret' }).websiteApp).toEqual({
      appId: 'wx8d4b2e6f10a3c957',
      appSecret: 's3cret',
    });
    for (const half of [{ WECHAT_WEBSITE_APP_ID: 'wx8d4b2e6f10a3c957' }, { WECHAT_WEBSITE_APP_SECRET: 's3cret' }]) {
      expect(() => readExampleConfig(half)).toThrow('Set both WECHAT_WEBSITE_APP_ID and WECHAT_WEBSITE_APP_SECRET');
    }
  });

  it('reads these variables and no others (REDIS_CLUSTER_NODES is the one added)', () => {
    expect(ENV_NAMES).toEqual([
      'PORT',
      'REDIS_URL',
      'REDIS_CLUSTER_NODES',
      'WECHAT_APP_ID',
      'WECHAT_APP_SECRET',
      'WECHAT_WEBSITE_APP_ID',
      'WECHAT_WEBSITE_APP_SECRET',
      'WECHAT_SCOPE',
      'WECHAT_API_BASE',
      'WECHAT_OPEN_BASE',
      'PUBLIC_URL',
      'SESSION_SECRET',
      'TOKEN_ENCRYPTION_KEY',
    ]);
  });
});

describe('the start-up line naming the Redis in use', () => {
  it('shows a URL without its password', () => {
    expect(describeRedis('redis://127.0.0.1:6379')).toBe('Redis: redis://127.0.0.1:6379');
    expect(describeRedis('rediss://app:s3cret@redis.internal:6380/2')).toBe('Redis: rediss://app:***@redis.internal:6380/2');
  });

  it('lists a cluster\'s seed nodes, without credentials', () => {
    expect(describeRedis({ cluster: ['10.0.0.1:7000', '10.0.0.2:7000'] })).toBe(
      'Redis Cluster: seed nodes 10.0.0.1:7000, 10.0.0.2:7000; the other nodes are discovered from them',
    );
    const line = describeRedis({ cluster: ['rediss://:s3cret@a:7000', 'rediss://:s3cret@b:7000'] });
    expect(line).toBe('Redis Cluster: seed nodes a:7000, b:7000 (TLS, with credentials); the other nodes are discovered from them');
    expect(line).not.toContain('s3cret');
  });
});
