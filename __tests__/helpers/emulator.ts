import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { startWechatEmulator, type WechatEmulator, type WechatEmulatorOptions } from '../../lib/testing/index.js';

/** One emulator per suite, with faults and counters reset before each test. `assign` receives it. */
export function useEmulator(assign: (emulator: WechatEmulator) => void, options?: WechatEmulatorOptions): void {
  let emulator: WechatEmulator | undefined;
  beforeAll(async () => {
    emulator = await startWechatEmulator(options);
    assign(emulator);
  });
  afterAll(() => emulator?.close());
  beforeEach(() => {
    emulator?.clearFaults();
    emulator?.resetCalls();
  });
}
