import type { WechatScope } from '../wechat/types.js';

/**
 * Scan to sign in: a desktop browser's one-time ticket, shown as a QR code, scanned and confirmed on a phone.
 * Every transition is one atomic step in the store, so a ticket is single-use across processes.
 *
 *   waiting ──scan──▶ scanned ──confirm──▶ confirming ──phone's authorization──▶ confirmed ──desktop──▶ completed
 *                        └──────cancel──────────┴──▶ cancelled            (any open state past expiresAt: expired)
 */
export type ScanTicketState = 'waiting' | 'scanned' | 'confirming' | 'confirmed' | 'cancelled' | 'completed';

/**
 * What a sealed ticket (scan/ticket-token.ts) tells the store when a phone first opens it: until then the ticket
 * has no record. The desktop's return address is not here: it stays in the desktop's page.
 */
export interface NewScanTicket {
  /** sha256 of the desktop browser's secret (held in its httpOnly cookie). */
  ownerHash: string;
  /** What the desktop is, for the phone's confirm page: "Chrome on Windows". */
  desktop: string;
  /** ms since epoch, on the injected clock. */
  createdAt: number;
  expiresAt: number;
  /** The two digits the phone must pick (number matching), or '' when off. */
  digits: string;
  /** The scope the desktop's page needs: the phone's authorization for the desktop asks for it. Default 'snsapi_userinfo'. */
  scope?: WechatScope;
}

/** What the phone may know of a ticket. */
export interface ScanTicketView {
  desktop: string;
  createdAt: number;
  expiresAt: number;
  digits: string;
  scope: WechatScope;
}

/** The tokens of the phone's authorization made for the desktop: they become the desktop's own grant. */
export interface ScanTicketTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  scope: string;
  openid: string;
  userId: number;
}

/** The states a desktop may learn: never who scanned, and "confirming" is still "scanned" to it. */
export type DesktopTicketState = 'waiting' | 'scanned' | 'confirmed' | 'cancelled' | 'expired' | 'completed';

/** A desktop's poll: the state, or refused (not this browser's ticket, or polled too often). */
export type DesktopPoll = DesktopTicketState | 'forbidden' | 'limited';

/** What the store answers a desktop: a record's state, or 'unopened' when no phone has opened the ticket (no record). */
export type StoredPoll = DesktopPoll | 'unopened';

/** A phone's step: done ('ok'), or why not — another phone has the ticket ('taken'), or the state it is in. */
export type PhoneStepResult = 'ok' | 'taken' | 'refused' | 'mismatch' | 'expired' | ScanTicketState;

/** A stored state (or a script's refusal) as the desktop may see it. */
export function desktopView(state: string | null | undefined): DesktopPoll {
  if (state === 'confirming') return 'scanned';
  const known: readonly string[] = ['waiting', 'scanned', 'confirmed', 'cancelled', 'expired', 'completed', 'forbidden', 'limited'];
  return state && known.includes(state) ? (state as DesktopPoll) : 'expired';
}

export interface PollLimit {
  windowMs: number;
  max: number;
}

/**
 * The records of scan tickets a phone has opened. A ticket nobody opened has none: it is a sealed value in the
 * desktop's page and QR code (scan/ticket-token.ts), and reads here as 'unopened'.
 */
export interface ScanTicketStore {
  /**
   * One read (and the poll count when `limit` is given, on a record only) for the browser holding the ticket's
   * secret: the state ('unopened' without a record, nothing written) and the digits it shows ('' without number
   * matching, or when refused).
   */
  poll(ticketId: string, ownerHash: string, now: number, limit?: PollLimit): Promise<{ state: StoredPoll; digits: string }>;
  /**
   * The phone opened the ticket: its record is made from `ticket` if it has none (unless expired), then a
   * waiting ticket becomes this phone's (scanned); the same phone again gets a fresh CSRF token. `view` is set
   * when the phone may see the confirm page (result 'scanned' or 'confirming').
   */
  scan(ticketId: string, ticket: NewScanTicket, phoneHash: string, csrfHash: string, now: number): Promise<{ result: PhoneStepResult; ticket: ScanTicketView | null }>;
  /**
   * Confirm pressed (scanned or confirming, same phone, matching CSRF token): confirming. With number
   * matching, `pick` must be the ticket's digits: a wrong pick cancels the ticket ('mismatch').
   */
  startConfirm(
    ticketId: string,
    phoneHash: string,
    csrfHash: string,
    pick: string,
    now: number,
  ): Promise<{ result: PhoneStepResult; ticket: ScanTicketView | null }>;
  /** The phone's authorization for the desktop came back: confirmed, holding its tokens until `completeBy`. */
  confirm(ticketId: string, phoneHash: string, tokens: ScanTicketTokens, now: number, completeBy: number): Promise<PhoneStepResult>;
  /**
   * Cancel pressed (with the CSRF token of the confirm page: `csrfHash`), or the phone's authorization failed
   * or was vetoed (no token): scanned or confirming, same phone.
   */
  cancel(ticketId: string, phoneHash: string, now: number, csrfHash?: string): Promise<PhoneStepResult>;
  /** The desktop takes the tokens of a confirmed ticket, once; they are deleted from the ticket. */
  complete(ticketId: string, ownerHash: string, now: number): Promise<{ result: 'ok'; tokens: ScanTicketTokens } | { result: StoredPoll }>;
}
