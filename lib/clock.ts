/** The source of "now", injected so tests and the emulator can move time without sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: share one between the emulator and the login under test. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

/**
 * @example
 * const clock = createTestClock();
 * clock.advance(7200 * 1000); // every access token issued so far is now expired
 */
export function createTestClock(startMs: number = Date.now()): TestClock {
  let current = startMs;
  return {
    now: () => current,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('"ms" must be a non-negative finite number');
      current += ms;
    },
    set(ms) {
      current = ms;
    },
  };
}

/**
 * Real time that can still be moved forward: for a long-running emulator (the CLI, the example app),
 * where codes and tokens must expire by themselves and a developer may still skip ahead.
 */
export function createAdvanceableSystemClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('"ms" must be a non-negative finite number');
      offset += ms;
    },
    set(ms) {
      offset = ms - Date.now();
    },
  };
}
