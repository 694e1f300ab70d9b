import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { defineScript } from '../store/scripts.js';
import { guard } from '../store/store-error.js';
import { desktopView } from '../store/scan-ticket-types.js';
import type { PhoneStepResult, ScanTicketStore, ScanTicketTokens, ScanTicketView } from '../store/scan-ticket-types.js';

/**
 * Each script touches one ticket's hash (KEYS[1]) and nothing else, so it runs on Redis Cluster. Expiry is
 * decided by `expiresAt` against the caller's clock (ARGV), so an injected clock and Redis agree; the key's own
 * TTL only cleans up.
 */
const CURRENT_STATE = `
local function current(now)
  local f = redis.call('HMGET', KEYS[1], 'state', 'expiresAt')
  if not f[1] then return nil end
  local s = f[1]
  if (s == 'waiting' or s == 'scanned' or s == 'confirming' or s == 'confirmed') and tonumber(now) >= tonumber(f[2]) then
    return 'expired'
  end
  return s
end`;

/** The phone's steps start alike: gone or expired, then "is it this phone's?" (a waiting ticket is nobody's). */
const PHONE_PRELUDE = `${CURRENT_STATE}
local s = current(ARGV[2])
if not s or s == 'expired' then return {'expired'} end
local phone = redis.call('HGET', KEYS[1], 'phone')
if s ~= 'waiting' and phone ~= ARGV[1] then return {'taken'} end`;

/** ARGV: phone, now, csrf. */
const SCAN = `${PHONE_PRELUDE}
if s == 'waiting' then
  redis.call('HSET', KEYS[1], 'state', 'scanned', 'phone', ARGV[1], 'csrf', ARGV[3])
  s = 'scanned'
elseif s == 'scanned' or s == 'confirming' then
  redis.call('HSET', KEYS[1], 'csrf', ARGV[3])
else
  return {s}
end
local v = redis.call('HMGET', KEYS[1], 'desktop', 'returnTo', 'createdAt', 'expiresAt', 'digits', 'scope')
return {s, v[1], v[2], v[3], v[4], v[5], v[6]}`;

/** ARGV: phone, now, csrf, pick. A wrong pick of the digits cancels: a relayed code dies at the first guess. */
const START_CONFIRM = `${PHONE_PRELUDE}
if s ~= 'scanned' and s ~= 'confirming' then return {s} end
if redis.call('HGET', KEYS[1], 'csrf') ~= ARGV[3] then return {'refused'} end
local v = redis.call('HMGET', KEYS[1], 'desktop', 'returnTo', 'createdAt', 'expiresAt', 'digits', 'scope')
if v[5] ~= '' and v[5] ~= ARGV[4] then
  redis.call('HSET', KEYS[1], 'state', 'cancelled')
  redis.call('HDEL', KEYS[1], 'csrf')
  return {'mismatch'}
end
redis.call('HSET', KEYS[1], 'state', 'confirming')
return {'ok', v[1], v[2], v[3], v[4], v[5], v[6]}`;

/** ARGV: phone, now, completeBy, ttlMs, then the tokens' field/value pairs. */
const CONFIRM = `${PHONE_PRELUDE}
if s ~= 'confirming' then return {s} end
redis.call('HSET', KEYS[1], 'state', 'confirmed', 'expiresAt', ARGV[3], unpack(ARGV, 5))
redis.call('HDEL', KEYS[1], 'csrf')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'ok'}`;

/** ARGV: phone, now, csrf ('' when the server cancels by itself). */
const CANCEL = `${PHONE_PRELUDE}
if s ~= 'scanned' and s ~= 'confirming' then return {s} end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'csrf') ~= ARGV[3] then return {'refused'} end
redis.call('HSET', KEYS[1], 'state', 'cancelled')
redis.call('HDEL', KEYS[1], 'csrf')
return {'ok'}`;

/**
 * ARGV: owner, now, windowMs, max (0: not counted), '1' to open an event stream. One read; the count only when
 * asked for. Returns the state, the digits, and the newest event stream's number (a stream ends once it is not
 * the newest: one live stream per code).
 */
const POLL = `${CURRENT_STATE}
local f = redis.call('HMGET', KEYS[1], 'owner', 'polls', 'pollsFrom', 'digits', 'stream')
if not f[1] then return {'expired', '', '0'} end
if f[1] ~= ARGV[1] then return {'forbidden', '', '0'} end
local max = tonumber(ARGV[4])
if max > 0 then
  local now = tonumber(ARGV[2])
  if not f[3] or now - tonumber(f[3]) >= tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[1], 'polls', 1, 'pollsFrom', now)
  elseif tonumber(f[2]) >= max then
    return {'limited', '', '0'}
  else
    redis.call('HINCRBY', KEYS[1], 'polls', 1)
  end
end
local stream = f[5] or '0'
if ARGV[5] == '1' then stream = tostring(redis.call('HINCRBY', KEYS[1], 'stream', 1)) end
return {current(ARGV[2]), f[4], stream}`;

const TOKEN_FIELDS = ['accessToken', 'refreshToken', 'expiresIn', 'scope', 'openid', 'userId'] as const;

/** ARGV: owner, now. Takes the tokens once. */
const COMPLETE = `${CURRENT_STATE}
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return {'expired'} end
if owner ~= ARGV[1] then return {'forbidden'} end
local s = current(ARGV[2])
if s ~= 'confirmed' then return {s} end
local t = redis.call('HMGET', KEYS[1], 'returnTo', ${TOKEN_FIELDS.map((f) => `'${f}'`).join(', ')})
redis.call('HSET', KEYS[1], 'state', 'completed')
redis.call('HDEL', KEYS[1], ${TOKEN_FIELDS.map((f) => `'${f}'`).join(', ')})
return {'ok', unpack(t)}`;

/** KEYS[1]: the browser's open tickets. ARGV: ticketId, now, until, max, ttlMs. */
const RESERVE = `
if redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf') >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/** How long a settled or expired ticket stays readable (as "expired", "cancelled"…) after its expiry. */
const LINGER_MS = 60_000;

function ticketView([desktop, returnTo, createdAt, expiresAt, digits, scope]: (string | undefined)[]): ScanTicketView | null {
  if (desktop === undefined) return null;
  return {
    desktop,
    returnTo: returnTo!,
    createdAt: Number(createdAt),
    expiresAt: Number(expiresAt),
    digits: digits ?? '',
    scope: scope === 'snsapi_base' ? 'snsapi_base' : 'snsapi_userinfo',
  };
}

export function createRedisScanTickets(redis: RedisClient, keys: Pick<Keys, 'scanTicket' | 'scanOpenTickets'>): ScanTicketStore {
  const scan = defineScript<string[]>(redis, 'wechatScanTicketScan', SCAN, 1);
  const startConfirm = defineScript<string[]>(redis, 'wechatScanTicketStartConfirm', START_CONFIRM, 1);
  const confirm = defineScript<string[]>(redis, 'wechatScanTicketConfirm', CONFIRM, 1);
  const cancel = defineScript<string[]>(redis, 'wechatScanTicketCancel', CANCEL, 1);
  const poll = defineScript<[string, string, string]>(redis, 'wechatScanTicketPoll', POLL, 1);
  const complete = defineScript<(string | null)[]>(redis, 'wechatScanTicketComplete', COMPLETE, 1);
  const reserve = defineScript<number>(redis, 'wechatScanTicketReserve', RESERVE, 1);
  const key = keys.scanTicket;

  return {
    reserve: (ownerHash, ticketId, now, until, max) =>
      guard(async () => (await reserve(keys.scanOpenTickets(ownerHash), ticketId, now, until, max, Math.max(1, until - now + LINGER_MS))) === 1),
    create: (ticketId, ticket, ttlMs) =>
      guard(async () => {
        const { ownerHash, desktop, returnTo, createdAt, expiresAt, digits, scope } = ticket;
        const fields = { state: 'waiting', owner: ownerHash, desktop, returnTo, createdAt: String(createdAt), expiresAt: String(expiresAt), digits, scope: scope ?? 'snsapi_userinfo' };
        const replies = await redis
          .multi()
          .hset(key(ticketId), fields)
          .pexpire(key(ticketId), Math.ceil(ttlMs + LINGER_MS))
          .exec();
        const failed = replies?.find(([error]) => error)?.[0];
        if (failed) throw failed;
      }),
    poll: (ticketId, ownerHash, now, limit, openStream = false) =>
      guard(async () => {
        const [state, digits, stream] = await poll(key(ticketId), ownerHash, now, limit?.windowMs ?? 0, limit?.max ?? 0, openStream ? '1' : '0');
        return { state: desktopView(state), digits: digits ?? '', stream: Number(stream ?? 0) };
      }),
    scan: (ticketId, phoneHash, csrfHash, now) =>
      guard(async () => {
        const [result, ...view] = await scan(key(ticketId), phoneHash, now, csrfHash);
        return { result: (result === 'scanned' ? 'ok' : result) as PhoneStepResult, ticket: ticketView(view) };
      }),
    startConfirm: (ticketId, phoneHash, csrfHash, pick, now) =>
      guard(async () => {
        const [result, ...view] = await startConfirm(key(ticketId), phoneHash, now, csrfHash, pick);
        return { result: result as PhoneStepResult, ticket: ticketView(view) };
      }),
    confirm: (ticketId, phoneHash, tokens, now, completeBy) =>
      guard(async () => {
        const pairs = TOKEN_FIELDS.flatMap((field) => [field, String(tokens[field])]);
        return (await confirm(key(ticketId), phoneHash, now, completeBy, Math.max(1, completeBy - now + LINGER_MS), ...pairs))[0] as PhoneStepResult;
      }),
    cancel: (ticketId, phoneHash, now, csrfHash = '') =>
      guard(async () => (await cancel(key(ticketId), phoneHash, now, csrfHash))[0] as PhoneStepResult),
    complete: (ticketId, ownerHash, now) =>
      guard(async () => {
        const [result, returnTo, accessToken, refreshToken, expiresIn, scope, openid, userId] = await complete(key(ticketId), ownerHash, now);
        if (result !== 'ok') return { result: desktopView(result) };
        const tokens: ScanTicketTokens = {
          accessToken: accessToken!,
          refreshToken: refreshToken!,
          expiresIn: Number(expiresIn),
          scope: scope!,
          openid: openid!,
          userId: Number(userId),
        };
        return { result: 'ok' as const, tokens, returnTo: returnTo! };
      }),
  };
}
