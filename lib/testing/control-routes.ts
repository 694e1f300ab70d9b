import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorEndpoint, EmulatorFault, FaultOptions } from './faults.js';
import { readBody, sendJson } from './http-util.js';

export const CONTROL_PREFIX = '/__emulator';

/** The part of the emulator another process may drive over HTTP. */
export interface EmulatorControls {
  calls: Record<EmulatorEndpoint, number>;
  resetCalls(): void;
  injectFault(endpoint: EmulatorEndpoint | '*', fault: EmulatorFault, times?: number, options?: FaultOptions): void;
  clearFaults(): void;
  advanceTime(ms: number): void;
  clock: { now(): number };
}

/**
 * For child processes and the example app, which cannot reach the emulator object:
 * - `GET /__emulator/calls` → counters; `POST /__emulator/calls/reset`
 * - `POST /__emulator/faults` `{ endpoint, fault, times?, delayMs? }`; `DELETE /__emulator/faults`
 * - `GET /__emulator/clock` → `{ now }`; `POST /__emulator/clock/advance` `{ ms }`
 */
export async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, controls: EmulatorControls): Promise<void> {
  const route = `${req.method} ${path.slice(CONTROL_PREFIX.length)}`;
  try {
    switch (route) {
      case 'GET /calls':
        return sendJson(res, controls.calls);
      case 'POST /calls/reset':
        controls.resetCalls();
        return sendJson(res, controls.calls);
      case 'POST /faults': {
        const { endpoint, fault, times, delayMs } = await readJsonObject(req);
        const options = delayMs === undefined ? {} : { delayMs: delayMs as number };
        controls.injectFault(endpoint as EmulatorEndpoint | '*', fault as EmulatorFault, (times ?? 1) as number, options);
        return sendJson(res, { ok: true });
      }
      case 'DELETE /faults':
        controls.clearFaults();
        return sendJson(res, { ok: true });
      case 'GET /clock':
        return sendJson(res, { now: controls.clock.now() });
      case 'POST /clock/advance': {
        const { ms } = await readJsonObject(req);
        controls.advanceTime(ms as number);
        return sendJson(res, { now: controls.clock.now() });
      }
      default:
        return sendJson(res, { error: `no emulator control ${route}` }, 404);
    }
  } catch (error) {
    sendJson(res, { error: error instanceof Error ? error.message : String(error) }, 400);
  }
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  const value: unknown = text ? JSON.parse(text) : {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('body must be a JSON object');
  return value as Record<string, unknown>;
}
