import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CodeOutcome } from '../store/types.js';

/**
 * The anti-CSRF pieces of a login: a random single-use nonce sent as WeChat's `state`, and a
 * browser-binding secret ("binder") that proves the callback comes from the browser that started it.
 */
const NONCE_PATTERN = /^[0-9a-f]{32}$/;

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export function newBinder(): string {
  return randomBytes(32).toString('base64url');
}

export function hashBinder(binder: string): string {
  return createHash('sha256').update(binder).digest('hex');
}

/** WeChat's state: the app's optional label, then the nonce. The label never replaces the nonce. */
export function composeState(label: string, nonce: string): string {
  return `${label}${nonce}`;
}

/** The nonce inside a returned state, or null if the state is not one of ours. */
export function parseState(state: unknown, label: string): string | null {
  if (typeof state !== 'string' || state.length !== label.length + 32 || !state.startsWith(label)) return null;
  const nonce = state.slice(label.length);
  return NONCE_PATTERN.test(nonce) ? nonce : null;
}

/** Constant-time comparison of two binder hashes. */
export function sameBinderHash(expected: string, candidate: string | undefined): boolean {
  if (!candidate) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(candidate, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Codes are remembered by hash: a stored outcome must not be usable as a code. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** How long a code's outcome is remembered: WeChat's own code lifetime. */
export const CODE_OUTCOME_TTL_MS = 5 * 60_000;

/** The outcome of a code that logged nobody in (and is not to be exchanged again). */
export const FAILED_CODE: CodeOutcome = { status: 'failed' };
