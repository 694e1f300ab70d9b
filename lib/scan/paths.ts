/** The scan routes' URLs, below the prefix: `{prefix}{path}` for the desktop page, the rest beside it. */
export interface ScanPaths {
  /** The desktop's page: `?returnTo=` for a new code, `?t=` to check (and finish) one, no JavaScript needed. */
  readonly page: string;
  /** What the QR code holds: the phone's page of one ticket. */
  ticket(ticketId: string): string;
  confirm(ticketId: string): string;
  cancel(ticketId: string): string;
  /** Where WeChat returns the phone's authorization made for the desktop. */
  readonly callback: string;
  /** Server-Sent Events of one ticket's state (`?t=`). */
  readonly events: string;
  /** The polling fallback (`?t=`): `{ state }`. */
  readonly status: string;
  /** The desktop signs itself in (`?t=`), then goes to returnTo. */
  readonly complete: string;
}

/** Below the router's mount point (what the router registers). */
export function scanRoutes(path: string) {
  return {
    page: path,
    ticket: `${path}/t/:ticketId`,
    confirm: `${path}/t/:ticketId/confirm`,
    cancel: `${path}/t/:ticketId/cancel`,
    callback: `${path}/callback`,
    events: `${path}/events`,
    status: `${path}/status`,
    complete: `${path}/complete`,
  } as const;
}

export function createScanPaths(prefix: string, path: string): ScanPaths {
  const base = `${prefix}${path}`;
  const ticket = (id: string) => `${base}/t/${encodeURIComponent(id)}`;
  return {
    page: base,
    ticket,
    confirm: (id) => `${ticket(id)}/confirm`,
    cancel: (id) => `${ticket(id)}/cancel`,
    callback: `${base}/callback`,
    events: `${base}/events`,
    status: `${base}/status`,
    complete: `${base}/complete`,
  };
}
