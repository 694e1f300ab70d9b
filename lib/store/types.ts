import type { UserProfileInput, UserTokensInput, WechatPublicAuthModel } from './user-model.js';
import type { WechatScope } from '../wechat/types.js';
import type { ScanTicketStore } from './scan-ticket-types.js';
import type { PlatformStore } from './platform-types.js';

export type { ScanTicketStore } from './scan-ticket-types.js';
export type { PlatformStore, PlatformCredential, PlatformCredentialKind, ForceRefreshQuota } from './platform-types.js';

/**
 * What the callback learns from its one round trip on a state: `fresh` when this is the state's first use (the
 * state is now used up and, with a code, the code claimed beneath it); otherwise the remembered outcome of this
 * code under this state (WeChat's double hit, a reload), or null.
 */
export type LoginStateClaim = { fresh: true } | { fresh: false; outcome: CodeOutcome | null };

export interface LoginStateClaimRequest {
  nonce: string;
  /** How long the state could still be used: its remaining life (the used mark must outlive it). */
  stateTtlMs: number;
  /** The code the callback brought, by hash; absent when the user declined. */
  codeHash?: string;
  codeTtlMs: number;
}

/**
 * Types an app declares for itself, by declaration merging (as express-session's `SessionData`). Declare
 * `account` to type what your `onLogin` returns, and so `req.wechat.account`:
 *
 * @example
 * declare module 'wechat-official-login' {
 *   interface WechatLoginTypes {
 *     account: { id: number; name: string };
 *   }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WechatLoginTypes {}

/** What `onLogin` returns and `req.wechat.account` holds: `WechatLoginTypes['account']` when declared, else unknown. */
export type WechatAccount = WechatLoginTypes extends { account: infer Account } ? Account : unknown;

/** What the session needs to know about a completed login (openid and unionid are on the session's user copy). */
export interface SessionLogin {
  userId: number;
  scope: WechatScope;
  grantId: string;
  loggedInAt: number;
  refreshExpiresAt: number;
  account?: WechatAccount;
  /** Set when the login came through the Open Platform website app; absent: the Official Account. */
  app?: 'website';
}

/** The remembered outcome of one authorization code, so a repeated callback is not an error. */
export type CodeOutcome =
  | { status: 'pending' }
  | { status: 'success'; binderHash: string; returnTo: string; login: SessionLogin }
  | { status: 'failed' };

/** One authorization's tokens: per session (device), kept outside the session so a stale save cannot clobber them. */
export interface GrantRecord {
  accessToken: string;
  refreshToken: string;
  /** ms since epoch */
  expiresAt: number;
  /** ms since epoch: 30 days after the authorization, not extended by refreshing */
  refreshExpiresAt: number;
  expiresIn: number;
  scope: string;
  openid: string;
  userId: number;
  /** The app whose tokens these are, when not the Official Account (a website app's): it refreshes them. */
  appId?: string;
  /** Incremented by every token change; compare-and-set guards against lost updates. */
  version: number;
  /** The refresh token was refused (42002/40030): the user must authorize again. */
  dead: boolean;
}

export type NewGrant = Omit<GrantRecord, 'version' | 'dead'>;
export type GrantTokens = Pick<GrantRecord, 'accessToken' | 'refreshToken' | 'expiresAt' | 'expiresIn' | 'scope'>;

export interface UpdateTokensOptions {
  loggedInAt?: number;
  signOut?: boolean;
}

export interface UserRepository {
  /**
   * Inserts or updates the person of this login: found by the app's openid (`profile.appId`, default the
   * Official Account), or by `unionid` when WeChat gave one, so that logins through the Official Account and a
   * website app of one Open Platform account are one user, concurrent first logins included. Keeps `id` and
   * `createdAt`. Without a unionid, two apps' openids are two users.
   */
  upsert(profile: UserProfileInput, tokens: UserTokensInput, now: number): Promise<WechatPublicAuthModel>;
  /**
   * Copies a grant's tokens onto the record (only an existing one). `options.loggedInAt`: the copy comes from a
   * login made then, and is skipped if the user was signed out everywhere since; `options.signOut`: this write
   * clears the tokens of a user signed out everywhere, as of `now`.
   */
  updateTokens(id: number, tokens: UserTokensInput, now: number, options?: UpdateTokensOptions): Promise<void>;
  findById(id: number): Promise<WechatPublicAuthModel | null>;
  /** The user with this openid in `appId` (default the Official Account). */
  findByOpenid(openid: string, appId?: string): Promise<WechatPublicAuthModel | null>;
  findByUnionid(unionid: string): Promise<WechatPublicAuthModel | null>;
}

/** A grant without its tokens: enough to answer "is this login alive?" */
export type GrantStatusRecord = Pick<GrantRecord, 'version' | 'dead' | 'expiresAt'>;

/** One try at a grant's refresh lock: whether `owner` got it, and the grant's version at that moment (null: gone). */
export interface GrantLockAttempt {
  locked: boolean;
  version: number | null;
}

/**
 * One hash per grant and a short refresh lock beside it. The lock is taken by `tryLock` and given back by the
 * write that ends a refresh (`replaceTokens` or `markDead` with the holder's `lockOwner`), or by `unlock` when
 * the refresh ends without a write.
 */
export interface GrantStore {
  /**
   * Stores a new grant under `grantId` (the session id of the login, so that the session and its grant share
   * a Redis hash tag), or under a new random id when none is given, and lists it under its user (at most
   * MAX_GRANTS_PER_USER: past it the user's oldest login is ended). Returns the id.
   */
  create(grant: NewGrant, ttlMs: number, grantId?: string): Promise<string>;
  get(grantId: string): Promise<GrantRecord | null>;
  /** The grant's version, liveness and access-token expiry, without reading its tokens; null when gone. */
  status(grantId: string): Promise<GrantStatusRecord | null>;
  /**
   * Writes new tokens only if the grant is still at `expectedVersion`; returns the new record, or null if it
   * moved on. Releases `lockOwner`'s refresh lock in the same step, whichever the outcome.
   */
  replaceTokens(grantId: string, expectedVersion: number, tokens: GrantTokens, lockOwner?: string): Promise<GrantRecord | null>;
  /**
   * Forgets the tokens and marks the grant dead, only if still at `expectedVersion`: true when it did.
   * Releases `lockOwner`'s refresh lock in the same step, whichever the outcome.
   */
  markDead(grantId: string, expectedVersion: number, lockOwner?: string): Promise<boolean>;
  delete(grantId: string): Promise<void>;
  /**
   * Ends every login listed under the user: deletes each grant (its tokens) and, on Redis, the session of the
   * same id. Returns how many were still there.
   */
  deleteAllOfUser(userId: number): Promise<number>;
  /**
   * Takes the short refresh lock for `owner` unless someone holds it, and reads the grant's version in the
   * same step: a version other than the one the caller read means a refresh landed since (read again).
   */
  tryLock(grantId: string, owner: string, ttlMs: number): Promise<GrantLockAttempt>;
  /** Releases the lock only if `owner` still holds it. */
  unlock(grantId: string, owner: string): Promise<void>;
}

/** One request counted against a limit: at most `limit` hits per `key` within any `windowMs`, by the caller's clock. */
export interface RateLimitHit {
  /** Which limit (e.g. 'login-ip'): letters, digits and '-'. Limits of different names never share a count. */
  name: string;
  /** Who is counted (a client address, a browser): at most 64 of [A-Za-z0-9:._/-]. */
  key: string;
  limit: number;
  windowMs: number;
  /** ms since epoch, from the injected clock. */
  now: number;
  /** Names this hit so that forgetRateLimitHit can take it back; default a random one. */
  member?: string;
}

export interface RateLimitVerdict {
  /** Counted and under the limit. A refused hit is not counted. */
  allowed: boolean;
  /** When refused: how long until the oldest counted hit leaves the window; 0 when allowed. */
  retryAfterMs: number;
}

/** Everything the login keeps outside process memory. Redis in production; memory for a one-process demo. */
export interface WechatStore {
  readonly kind: 'redis' | 'memory';
  /**
   * One started login's single use, kept without a stored state: marks `nonce` used (SET NX, for the state's
   * remaining life) and, when it was fresh, claims the code beneath it, in one step on one hash tag (the nonce).
   */
  claimLoginState(claim: LoginStateClaimRequest): Promise<LoginStateClaim>;
  setCodeOutcome(nonce: string, codeHash: string, outcome: CodeOutcome, ttlMs: number): Promise<void>;
  getCodeOutcome(nonce: string, codeHash: string): Promise<CodeOutcome | null>;
  /** Counts one hit against a sliding-window limit in one atomic step (one round trip, one key, on Redis). */
  hitRateLimit(hit: RateLimitHit): Promise<RateLimitVerdict>;
  /** Takes back an allowed hit named by its `member` (a reservation that turned out not to count). */
  forgetRateLimitHit(hit: Pick<RateLimitHit, 'name' | 'key'> & { member: string }): Promise<void>;
  readonly users: UserRepository;
  readonly grants: GrantStore;
  /** Scan-to-sign-in tickets (a desktop's QR code, confirmed on a phone). */
  readonly scanTickets: ScanTicketStore;
  /**
   * The app access token and jsapi_ticket shared by every process (the JS-SDK). Optional for a store of your own:
   * without it `wechat.platform` is off and the jssdk-config route is not mounted.
   */
  readonly platform?: PlatformStore;
  close(): Promise<void>;
}
