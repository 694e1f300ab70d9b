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

/**
 * ARGV: phone, now, csrf, then the sealed ticket's owner, desktop, createdAt, expiresAt, digits, scope and the
 * record's ttlMs. The first open makes the record (a ticket nobody opened has none); an expired one never does.
 */
const SCAN = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  if tonumber(ARGV[2]) >= tonumber(ARGV[7]) then return {'expired'} end
  redis.call('HSET', KEYS[1], 'state', 'waiting', 'owner', ARGV[4], 'desktop', ARGV[5], 'createdAt', ARGV[6], 'expiresAt', ARGV[7], 'digits', ARGV[8], 'scope', ARGV[9])
  redis.call('PEXPIRE', KEYS[1], ARGV[10])
end
${PHONE_PRELUDE}
if s == 'waiting' then
  redis.call('HSET', KEYS[1], 'state', 'scanned', 'phone', ARGV[1], 'csrf', ARGV[3])
  s = 'scanned'
elseif s == 'scanned' or s == 'confirming' then
  redis.call('HSET', KEYS[1], 'csrf', ARGV[3])
else
  return {s}
end
local v = redis.call('HMGET', KEYS[1], 'desktop', 'createdAt', 'expiresAt', 'digits', 'scope')
return {s, v[1], v[2], v[3], v[4], v[5]}`;

/** ARGV: phone, now, csrf, pick. A wrong pick of the digits cancels: a relayed code dies at the first guess. */
const START_CONFIRM = `${PHONE_PRELUDE}
if s ~= 'scanned' and s ~= 'confirming' then return {s} end
if redis.call('HGET', KEYS[1], 'csrf') ~= ARGV[3] then return {'refused'} end
local v = redis.call('HMGET', KEYS[1], 'desktop', 'createdAt', 'expiresAt', 'digits', 'scope')
if v[4] ~= '' and v[4] ~= ARGV[4] then
  redis.call('HSET', KEYS[1], 'state', 'cancelled')
  redis.call('HDEL', KEYS[1], 'csrf')
  return {'mismatch'}
end
redis.call('HSET', KEYS[1], 'state', 'confirming')
return {'ok', v[1], v[2], v[3], v[4], v[5]}`;

/**
 * ARGV: phone, now, completeBy, ttlMs, then the tokens' field/value pairs. The record never lives shorter than
 * it did: it must outlive the sealed ticket's own expiry, or the ticket could be opened afresh (single use).
 */
const CONFIRM = `${PHONE_PRELUDE}
if s ~= 'confirming' then return {s} end
redis.call('HSET', KEYS[1], 'state', 'confirmed', 'expiresAt', ARGV[3], unpack(ARGV, 5))
redis.call('HDEL', KEYS[1], 'csrf')
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {'ok'}`;

/** ARGV: phone, now, csrf ('' when the server cancels by itself). */
const CANCEL = `${PHONE_PRELUDE}
if s ~= 'scanned' and s ~= 'confirming' then return {s} end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'csrf') ~= ARGV[3] then return {'refused'} end
redis.call('HSET', KEYS[1], 'state', 'cancelled')
redis.call('HDEL', KEYS[1], 'csrf')
return {'ok'}`;

/**
 * ARGV: owner, now, windowMs, max (0: not counted). One read; the count only when asked for, and only on a
 * record: a ticket no phone opened reads 'unopened' and nothing is written.
 */
const POLL = `${CURRENT_STATE}
local f = redis.call('HMGET', KEYS[1], 'owner', 'polls', 'pollsFrom', 'digits')
if not f[1] then return {'unopened', ''} end
if f[1] ~= ARGV[1] then return {'forbidden', ''} end
local max = tonumber(ARGV[4])
if max > 0 then
  local now = tonumber(ARGV[2])
  if not f[3] or now - tonumber(f[3]) >= tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[1], 'polls', 1, 'pollsFrom', now)
  elseif tonumber(f[2]) >= max then
    return {'limited', ''}
  else
    redis.call('HINCRBY', KEYS[1], 'polls', 1)
  end
end
return {current(ARGV[2]), f[4]}`;

const TOKEN_FIELDS = ['accessToken', 'refreshToken', 'expiresIn', 'scope', 'openid', 'userId'] as const;

/** ARGV: owner, now. Takes the tokens once. */
const COMPLETE = `${CURRENT_STATE}
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return {'unopened'} end
if owner ~= ARGV[1] then return {'forbidden'} end
local s = current(ARGV[2])
if s ~= 'confirmed' then return {s} end
local t = redis.call('HMGET', KEYS[1], ${TOKEN_FIELDS.map((f) => `'${f}'`).join(', ')})
redis.call('HSET', KEYS[1], 'state', 'completed')
redis.call('HDEL', KEYS[1], ${TOKEN_FIELDS.map((f) => `'${f}'`).join(', ')})
return {'ok', unpack(t)}`;

/** How long a settled or expired ticket stays readable (as "expired", "cancelled"…) after its expiry. */
const LINGER_MS = 60_000;

function ticketView([desktop, createdAt, expiresAt, digits, scope]: (string | undefined)[]): ScanTicketView | null {
  if (desktop === undefined) return null;
  return {
    desktop,
    createdAt: Number(createdAt),
    expiresAt: Number(expiresAt),
    digits: digits ?? '',
    scope: scope === 'snsapi_base' ? 'snsapi_base' : 'snsapi_userinfo',
  };
}

export function createRedisScanTickets(redis: RedisClient, keys: Pick<Keys, 'scanTicket'>): ScanTicketStore {
  const scan = defineScript<string[]>(redis, 'wechatScanTicketScan', SCAN, 1);
  const startConfirm = defineScript<string[]>(redis, 'wechatScanTicketStartConfirm', START_CONFIRM, 1);
  const confirm = defineScript<string[]>(redis, 'wechatScanTicketConfirm', CONFIRM, 1);
  const cancel = defineScript<string[]>(redis, 'wechatScanTicketCancel', CANCEL, 1);
  const poll = defineScript<[string, string]>(redis, 'wechatScanTicketPoll', POLL, 1);
  const complete = defineScript<(string | null)[]>(redis, 'wechatScanTicketComplete', COMPLETE, 1);
  const key = keys.scanTicket;

  return {
    poll: (ticketId, ownerHash, now, limit) =>
      guard(async () => {
        const [state, digits] = await poll(key(ticketId), ownerHash, now, limit?.windowMs ?? 0, limit?.max ?? 0);
        return { state: state === 'unopened' ? 'unopened' : desktopView(state), digits: digits ?? '' };
      }),
    scan: (ticketId, ticket, phoneHash, csrfHash, now) =>
      guard(async () => {
        const { ownerHash, desktop, createdAt, expiresAt, digits, scope } = ticket;
        const ttlMs = Math.ceil(Math.max(1, expiresAt - now + LINGER_MS));
        const [result, ...view] = await scan(key(ticketId), phoneHash, now, csrfHash, ownerHash, desktop, createdAt, expiresAt, digits, scope ?? 'snsapi_userinfo', ttlMs);
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
        const [result, accessToken, refreshToken, expiresIn, scope, openid, userId] = await complete(key(ticketId), ownerHash, now);
        if (result !== 'ok') return { result: result === 'unopened' ? 'unopened' : desktopView(result) };
        const tokens: ScanTicketTokens = {
          accessToken: accessToken!,
          refreshToken: refreshToken!,
          expiresIn: Number(expiresIn),
          scope: scope!,
          openid: openid!,
          userId: Number(userId),
        };
        return { result: 'ok' as const, tokens };
      }),
  };
}
