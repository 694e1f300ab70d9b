import type { Clock } from '../clock.js';
import {
  desktopView,
  type NewScanTicket,
  type PhoneStepResult,
  type ScanTicketState,
  type ScanTicketStore,
  type ScanTicketTokens,
  type ScanTicketView,
} from '../store/scan-ticket-types.js';

interface MemoryTicket extends NewScanTicket {
  scope: NonNullable<NewScanTicket['scope']>;
  state: ScanTicketState;
  phone?: string;
  csrf?: string;
  tokens?: ScanTicketTokens;
  polls: number;
  pollsFrom?: number;
  /** When the entry is forgotten (the Redis key's TTL), on the store's clock. */
  forgetAt: number;
}

const LINGER_MS = 60_000;

const viewOf = ({ desktop, createdAt, expiresAt, digits, scope }: MemoryTicket): ScanTicketView => ({
  desktop,
  createdAt,
  expiresAt,
  digits,
  scope,
});
const OPEN: readonly ScanTicketState[] = ['waiting', 'scanned', 'confirming', 'confirmed'];

/** The Redis scripts' rules (redis-scan-tickets.ts), step for step, in one process's memory. */
export function createMemoryScanTickets(clock: Clock): ScanTicketStore {
  const tickets = new Map<string, MemoryTicket>();

  const find = (id: string) => {
    const ticket = tickets.get(id);
    if (ticket && ticket.forgetAt <= clock.now()) tickets.delete(id);
    return tickets.get(id);
  };
  const current = (ticket: MemoryTicket, now: number): ScanTicketState | 'expired' =>
    OPEN.includes(ticket.state) && now >= ticket.expiresAt ? 'expired' : ticket.state;
  /** The phone steps' common start, as PHONE_PRELUDE. */
  const phoneStep = (id: string, phone: string, now: number): { ticket: MemoryTicket; state: ScanTicketState } | PhoneStepResult => {
    const ticket = find(id);
    const state = ticket ? current(ticket, now) : 'expired';
    if (!ticket || state === 'expired') return 'expired';
    if (state !== 'waiting' && ticket.phone !== phone) return 'taken';
    return { ticket, state };
  };

  return {
    async poll(ticketId, ownerHash, now, limit) {
      const ticket = find(ticketId);
      if (!ticket) return { state: 'unopened', digits: '' };
      if (ticket.ownerHash !== ownerHash) return { state: 'forbidden', digits: '' };
      if (limit && limit.max > 0) {
        if (ticket.pollsFrom === undefined || now - ticket.pollsFrom >= limit.windowMs) {
          ticket.polls = 1;
          ticket.pollsFrom = now;
        } else if (ticket.polls >= limit.max) {
          return { state: 'limited', digits: '' };
        } else {
          ticket.polls++;
        }
      }
      return { state: desktopView(current(ticket, now)), digits: ticket.digits };
    },
    async scan(ticketId, fromSeal, phone, csrf, now) {
      if (!find(ticketId)) {
        if (now >= fromSeal.expiresAt) return { result: 'expired', ticket: null };
        tickets.set(ticketId, { ...fromSeal, scope: fromSeal.scope ?? 'snsapi_userinfo', state: 'waiting', polls: 0, forgetAt: fromSeal.expiresAt + LINGER_MS });
      }
      const step = phoneStep(ticketId, phone, now);
      if (typeof step === 'string') return { result: step, ticket: null };
      const { ticket, state } = step;
      if (state !== 'waiting' && state !== 'scanned' && state !== 'confirming') return { result: state, ticket: null };
      if (state === 'waiting') Object.assign(ticket, { state: 'scanned', phone });
      ticket.csrf = csrf;
      return { result: ticket.state === 'scanned' ? 'ok' : ticket.state, ticket: viewOf(ticket) };
    },
    async startConfirm(ticketId, phone, csrf, pick, now) {
      const step = phoneStep(ticketId, phone, now);
      if (typeof step === 'string') return { result: step, ticket: null };
      const { ticket, state } = step;
      if (state !== 'scanned' && state !== 'confirming') return { result: state, ticket: null };
      if (ticket.csrf !== csrf) return { result: 'refused', ticket: null };
      if (ticket.digits !== '' && ticket.digits !== pick) {
        Object.assign(ticket, { state: 'cancelled', csrf: undefined });
        return { result: 'mismatch', ticket: null };
      }
      ticket.state = 'confirming';
      return { result: 'ok', ticket: viewOf(ticket) };
    },
    async confirm(ticketId, phone, tokens, now, completeBy) {
      const step = phoneStep(ticketId, phone, now);
      if (typeof step === 'string') return step;
      if (step.state !== 'confirming') return step.state;
      // Never forgotten sooner than before: the record must outlive the sealed ticket (single use).
      Object.assign(step.ticket, { state: 'confirmed', tokens, expiresAt: completeBy, csrf: undefined, forgetAt: Math.max(step.ticket.forgetAt, completeBy + LINGER_MS) });
      return 'ok';
    },
    async cancel(ticketId, phone, now, csrf = '') {
      const step = phoneStep(ticketId, phone, now);
      if (typeof step === 'string') return step;
      if (step.state !== 'scanned' && step.state !== 'confirming') return step.state;
      if (csrf !== '' && step.ticket.csrf !== csrf) return 'refused';
      Object.assign(step.ticket, { state: 'cancelled', csrf: undefined });
      return 'ok';
    },
    async complete(ticketId, ownerHash, now) {
      const ticket = find(ticketId);
      if (!ticket) return { result: 'unopened' };
      if (ticket.ownerHash !== ownerHash) return { result: 'forbidden' };
      const state = current(ticket, now);
      if (state !== 'confirmed' || !ticket.tokens) return { result: desktopView(state) };
      const { tokens } = ticket;
      Object.assign(ticket, { state: 'completed', tokens: undefined });
      return { result: 'ok', tokens };
    },
  };
}
