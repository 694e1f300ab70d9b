import type { Clock } from '../clock.js';
import { logger } from '../debug.js';
import type { GrantRecord, GrantTokens } from '../store/types.js';
import { readLiveGrant } from './live-grant.js';
import { saveTokens, type SaveTokensDependencies } from './save-tokens.js';

const log = logger('tokens');

/** How many grants' unsaved tokens one process keeps at most; past it the oldest are forgotten. */
export const UNSAVED_TOKENS_MAX_ENTRIES = 1000;
/** How long unsaved tokens are kept: a Redis outage longer than this costs those users a new authorization. */
export const UNSAVED_TOKENS_TTL_MS = 5 * 60_000;

export interface UnsavedEntry {
  /** The grant version these tokens replace: they are stored only over that version. */
  fromVersion: number;
  tokens: GrantTokens;
}

/**
 * Tokens WeChat gave us that the store did not take (Redis went away between WeChat's answer and our write).
 * With rotation the refresh token still stored is already dead, so these are the only live ones, and the next
 * request for the grant stores them before anything else. They are live secrets in process memory: kept a few
 * minutes at most, and for a bounded number of grants (oldest forgotten first), so an outage under load cannot
 * pile them up.
 */
export class UnsavedTokens {
  readonly #clock: Clock;
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  /** In insertion order, which is expiry order: the oldest first. */
  readonly #entries = new Map<string, UnsavedEntry & { expiresAt: number }>();

  constructor(clock: Clock, { maxEntries = UNSAVED_TOKENS_MAX_ENTRIES, ttlMs = UNSAVED_TOKENS_TTL_MS } = {}) {
    this.#clock = clock;
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
  }

  /** How many grants' tokens this process holds (expired ones go at the next remember or get). */
  get size(): number {
    return this.#entries.size;
  }

  remember(grantId: string, fromVersion: number, tokens: GrantTokens): void {
    this.#dropExpired();
    this.#entries.delete(grantId);
    this.#entries.set(grantId, { fromVersion, tokens, expiresAt: this.#clock.now() + this.#ttlMs });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  get(grantId: string): UnsavedEntry | undefined {
    this.#dropExpired();
    const entry = this.#entries.get(grantId);
    if (!entry || entry.expiresAt <= this.#clock.now()) return undefined;
    return { fromVersion: entry.fromVersion, tokens: entry.tokens };
  }

  forget(grantId: string): void {
    this.#entries.delete(grantId);
  }

  #dropExpired(): void {
    const now = this.#clock.now();
    for (const [grantId, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(grantId);
    }
  }
}

/**
 * Stores the grant's unsaved tokens, if this process has some for the version just read; anything else is
 * left as read. The compare-and-set keeps them from overwriting anything newer. If the store still refuses,
 * they stay for the next request.
 */
export async function storeUnsavedTokens(
  deps: SaveTokensDependencies & { unsaved: UnsavedTokens },
  grantId: string,
  grant: GrantRecord,
): Promise<GrantRecord> {
  const pending = deps.unsaved.get(grantId);
  if (!pending) return grant;
  if (pending.fromVersion !== grant.version) {
    deps.unsaved.forget(grantId);
    return grant;
  }
  const saved = await saveTokens(deps, grantId, grant.version, pending.tokens);
  deps.unsaved.forget(grantId);
  if (!saved) return readLiveGrant(deps.grants, grantId);
  log('stored the tokens of an earlier refresh that Redis had refused (version %d)', saved.version);
  return saved;
}
