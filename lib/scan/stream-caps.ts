/**
 * Bounds on the desktop's open event streams in this process: each holds a connection and reads its ticket once a
 * second, so a flood of open streams costs Redis commands without end. A few per browser (its scan cookie) and
 * per client address, and a ceiling per process; past them the stream is refused with 429 and the page polls
 * instead (each poll counted against the code). Counted in memory on purpose: what is bounded is this process's
 * own connections and the Redis reads they make, which end with the process.
 */
export interface StreamCaps {
  /** Takes a place for a stream of this browser at this address; undefined when a cap is reached. */
  open(address: string, browser: string): (() => void) | undefined;
  /** Streams open in this process now. */
  readonly size: number;
}

export const STREAM_CAPS = { perBrowser: 2, perAddress: 10, perProcess: 1_000 } as const;

export function createStreamCaps(caps: { perBrowser: number; perAddress: number; perProcess: number } = STREAM_CAPS): StreamCaps {
  const byAddress = new Map<string, number>();
  const byBrowser = new Map<string, number>();
  let open = 0;
  const add = (counts: Map<string, number>, key: string, delta: number) => {
    const next = (counts.get(key) ?? 0) + delta;
    if (next <= 0) counts.delete(key);
    else counts.set(key, next);
  };
  return {
    open(address, browser) {
      if (open >= caps.perProcess || (byAddress.get(address) ?? 0) >= caps.perAddress || (byBrowser.get(browser) ?? 0) >= caps.perBrowser) return undefined;
      open++;
      add(byAddress, address, 1);
      add(byBrowser, browser, 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
        add(byAddress, address, -1);
        add(byBrowser, browser, -1);
      };
    },
    get size() {
      return open;
    },
  };
}
