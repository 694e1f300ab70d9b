import { ERR_STORE_UNAVAILABLE, WechatLoginError } from '../errors.js';

/**
 * Redis being unreachable or refusing a write is a transient failure (503), never a logout. ioredis's errors
 * carry the command's arguments (`command.args`: tokens, session JSON), so they are never chained: the cause
 * is a summary with the error's kind (READONLY, OOM, ECONNREFUSED, …) and the command's name only.
 */
export function storeUnavailable(error: unknown): WechatLoginError {
  // Already summarised: connect-redis saves an expired session by calling our destroy, whose callback wraps first.
  if ((error as { code?: unknown } | null)?.code === ERR_STORE_UNAVAILABLE && error instanceof WechatLoginError) return error;
  const { name, kind, command } = summarize(error);
  const summary = `${name} ${kind}${command}${refusedInTransaction(error)}`;
  return new WechatLoginError(`session store unavailable: ${summary}`, {
    code: ERR_STORE_UNAVAILABLE,
    status: 503,
    cause: Object.assign(new Error(summary), /^[A-Z][A-Z_]+$/.test(kind) ? { code: kind } : {}),
  });
}

/** A refused MULTI says only EXECABORT: the reason (READONLY, OOM) is on the queued command Redis refused. */
function refusedInTransaction(error: unknown): string {
  const queued = (error as { previousErrors?: unknown } | null)?.previousErrors;
  if (!Array.isArray(queued) || queued.length === 0) return '';
  const { kind, command } = summarize(queued[0]);
  return ` after ${kind}${command}`;
}

function summarize(error: unknown): { name: string; kind: string; command: string } {
  const e = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown; command?: { name?: unknown } };
  const kind =
    typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)
      ? e.code
      : typeof e.message === 'string'
        ? (/^[A-Z][A-Z_-]+(?=\s|$)/.exec(e.message)?.[0] ?? knownMessage(e.message))
        : 'unknown error';
  const command = typeof e.command?.name === 'string' ? ` (${e.command.name.toUpperCase()})` : '';
  const name = typeof e.name === 'string' && /^\w+$/.test(e.name) ? e.name : 'Error';
  return { name, kind, command };
}

/** ioredis's own messages without a code: a fixed list, so no text from Redis or from our arguments passes. */
function knownMessage(message: string): string {
  if (/connection is closed/i.test(message)) return 'connection closed';
  if (/max retries per request/i.test(message)) return 'max retries per request reached';
  if (/stream isn't writeable/i.test(message)) return 'not connected';
  // A Cluster's: a command retried through a failover until its budget ran out; no node reachable at all.
  if (/too many cluster redirections/i.test(message)) return 'cluster redirections exhausted';
  if (/cluster isn't ready|none of startup nodes/i.test(message)) return 'cluster unreachable';
  if (/timed? ?out/i.test(message)) return 'timeout';
  return 'redis error';
}

/** Every Redis call goes through here: a failure becomes our 503 with a cause that holds no secret. */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storeUnavailable(error);
  }
}

