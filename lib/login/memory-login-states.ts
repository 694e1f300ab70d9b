import type { CodeOutcome, LoginStateClaim, LoginStateClaimRequest } from '../store/types.js';

interface Values {
  put(key: string, value: unknown, ttlMs: number): void;
  read<T>(key: string): T | null;
}

/** redis-login-states.ts in one process: each step is synchronous, so the claim is as atomic as the script. */
export function createMemoryLoginStates({ put, read }: Values) {
  const code = (nonce: string, codeHash: string) => `code:${nonce}:${codeHash}`;
  return {
    async claimLoginState({ nonce, stateTtlMs, codeHash, codeTtlMs }: LoginStateClaimRequest): Promise<LoginStateClaim> {
      if (read(`state-used:${nonce}`) === null) {
        put(`state-used:${nonce}`, 1, Math.max(1, stateTtlMs));
        if (codeHash !== undefined) put(code(nonce, codeHash), { status: 'pending' } satisfies CodeOutcome, codeTtlMs);
        return { fresh: true };
      }
      return { fresh: false, outcome: codeHash === undefined ? null : read<CodeOutcome>(code(nonce, codeHash)) };
    },
    async setCodeOutcome(nonce: string, codeHash: string, outcome: CodeOutcome, ttlMs: number): Promise<void> {
      put(code(nonce, codeHash), outcome, ttlMs);
    },
    async getCodeOutcome(nonce: string, codeHash: string): Promise<CodeOutcome | null> {
      return read<CodeOutcome>(code(nonce, codeHash));
    },
  };
}
