import type { Clock } from '../clock.js';
import { createExpiringMap } from '../store/expiring-map.js';
import type { PollLimit } from '../store/scan-ticket-types.js';

/**
 * What a ticket no phone has opened needs counted, kept in this process's memory because such a ticket has no
 * record in Redis: its polls (the record counts them once it exists) and which of its event streams is the
 * newest (a newer stream of the same code ends the older one). Both bound this process's own work; a stream's
 * number is dropped when it ends, a poll window when it lapses.
 */
export interface UnopenedTickets {
  /** Counts one poll of an unopened ticket: false past `limit.max` in `limit.windowMs`. */
  countPoll(ticketId: string, limit: PollLimit): boolean;
  /** A new stream of this ticket: its number, and `isNewest()` until a newer one opens; `end()` forgets it. */
  openStream(ticketId: string): { isNewest(): boolean; end(): void };
}

export function createUnopenedTickets(clock: Clock): UnopenedTickets {
  const polls = createExpiringMap(clock);
  const newest = new Map<string, number>();
  let streams = 0;
  return {
    countPoll(ticketId, { windowMs, max }) {
      const count = polls.get<number>(ticketId);
      if (count === null) {
        polls.set(ticketId, 1, windowMs);
        return true;
      }
      if (count >= max) return false;
      polls.replace(ticketId, count + 1);
      return true;
    },
    openStream(ticketId) {
      const mine = ++streams;
      newest.set(ticketId, mine);
      return {
        isNewest: () => newest.get(ticketId) === mine,
        end() {
          if (newest.get(ticketId) === mine) newest.delete(ticketId);
        },
      };
    },
  };
}
