import type { TokenCipher } from '../store/token-cipher.js';
import type { ScanTicketStore, ScanTicketTokens } from '../store/scan-ticket-types.js';

const ticketRecordName = (ticketId: string) => `scan:${ticketId}`;

/**
 * A confirmed scan ticket holds the tokens of the phone's authorization until the desktop takes them: sealed by
 * the store's cipher like a grant's (bound to the ticket and field), opened when the desktop completes. Every
 * other step passes through unchanged.
 */
export function sealScanTicketTokens(tickets: ScanTicketStore, cipher: TokenCipher): ScanTicketStore {
  const each = (ticketId: string, tokens: ScanTicketTokens, how: (value: string, context: string) => string): ScanTicketTokens => ({
    ...tokens,
    accessToken: how(tokens.accessToken, `${ticketRecordName(ticketId)}:accessToken`),
    refreshToken: how(tokens.refreshToken, `${ticketRecordName(ticketId)}:refreshToken`),
  });
  return {
    ...tickets,
    confirm: (ticketId, phoneHash, tokens, now, completeBy) =>
      tickets.confirm(ticketId, phoneHash, each(ticketId, tokens, cipher.seal), now, completeBy),
    async complete(ticketId, ownerHash, now) {
      const outcome = await tickets.complete(ticketId, ownerHash, now);
      return outcome.result === 'ok' ? { ...outcome, tokens: each(ticketId, outcome.tokens, cipher.open) } : outcome;
    },
  };
}
