/** What app-processes.ts (the parent) and app-process.ts (each child) say to each other over IPC. */
export interface AppProcessConfig {
  /** Its number among the processes, echoed in the `x-app-process` header of every answer. */
  index: number;
  /** `host:port` seed nodes of the Redis Cluster. */
  seeds: string[];
  emulatorUrl: string;
  appId: string;
  appSecret: string;
  sessionSecret: string;
}

export type ToAppProcess = { type: 'sync-clock' } | { type: 'memory' } | { type: 'stop' };

export type FromAppProcess =
  | { type: 'ready'; port: number }
  | { type: 'clock-synced'; now: number }
  /** process.memoryUsage(), bytes. */
  | { type: 'memory'; rss: number; heapUsed: number; heapTotal: number }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };
