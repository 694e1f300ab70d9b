import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: { ignoreCodes: [151002] } }],
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 30_000,
  // Two cores: suites start their own redis-server and emulator, so keep the parallelism honest.
  maxWorkers: 2,
  // A worker exits once its last suite's handles are gone. ioredis arms a 2 s "destroy the stream" timer for each
  // connection it disconnects (a Cluster's refused nodes included), so a worker whose last suite just closed
  // clients needs a moment; jest's 500 ms default force-exits it ("failed to exit gracefully", which CI counts as
  // a failure). A real leak (a reconnect loop, a server left listening) still outlives these 5 s.
  workerGracefulExitTimeout: 5_000,
};

export default config;
