/** How long and how big each section runs. `quick` keeps every section near one second, for the smoke test. */
export interface Profile {
  name: 'full' | 'quick';
  /** Logged-in sessions visited round-robin by the guarded load. */
  sessions: number;
  connections: number;
  warmupSeconds: number;
  roundSeconds: number;
  rounds: number;
  /** Operations averaged per Redis command count. */
  commandOps: number;
  login: { concurrency: number; seconds: number; rounds: number };
  singleFlight: { processes: number; requests: number; trials: number };
  growth: { steps: number[]; seconds: number; rounds: number };
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: {
    name: 'full',
    sessions: 100,
    connections: 16,
    warmupSeconds: 3,
    roundSeconds: 4,
    rounds: 5,
    commandOps: 10,
    login: { concurrency: 16, seconds: 4, rounds: 5 },
    singleFlight: { processes: 4, requests: 50, trials: 10 },
    growth: { steps: [1_000, 10_000, 100_000], seconds: 4, rounds: 3 },
  },
  quick: {
    name: 'quick',
    sessions: 10,
    connections: 16,
    warmupSeconds: 0.3,
    roundSeconds: 0.6,
    rounds: 1,
    commandOps: 3,
    login: { concurrency: 8, seconds: 0.6, rounds: 1 },
    singleFlight: { processes: 4, requests: 50, trials: 1 },
    growth: { steps: [100, 300, 1_000], seconds: 0.4, rounds: 1 },
  },
};
