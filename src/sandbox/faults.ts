// Failures injected by tests (SandboxControl.failNext): canned answers that stand in for the
// transient errors, throttling and outages a real Clearnox produces, served before anything else
// so that a client's retry logic is exercised exactly as it would be against a load balancer.
export const FAULT_ROUTES = ['token', 'entries', 'imports', 'poll'] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

export interface Fault {
  status: number;
  code: string;
}

export class FaultInjector {
  private readonly queued = new Map<FaultRoute, Array<Fault & { left: number }>>();
  private readonly lost = new Map<FaultRoute, number>();

  /** The next `times` requests to `route` are handled in full, then the connection is cut instead of the answer. */
  loseNextAnswer(route: FaultRoute, times = 1): void {
    if (!FAULT_ROUTES.includes(route)) throw new Error(`unknown sandbox route "${String(route)}"`);
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, not ${times}`);
    this.lost.set(route, (this.lost.get(route) ?? 0) + times);
  }

  /** Whether this request's answer is to be lost; consumes one use. */
  takeLostAnswer(route: FaultRoute): boolean {
    const left = this.lost.get(route) ?? 0;
    if (left === 0) return false;
    this.lost.set(route, left - 1);
    return true;
  }

  failNext(route: FaultRoute, status: number, code: string, times = 1): void {
    if (!FAULT_ROUTES.includes(route)) throw new Error(`unknown sandbox route "${String(route)}"`);
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`not an HTTP status: ${status}`);
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, not ${times}`);
    const list = this.queued.get(route) ?? [];
    list.push({ status, code, left: times });
    this.queued.set(route, list);
  }

  /** The fault to serve for this request, if one is queued; consumes one use of it. */
  take(route: FaultRoute): Fault | undefined {
    const list = this.queued.get(route);
    const head = list?.[0];
    if (!list || !head) return undefined;
    head.left -= 1;
    if (head.left === 0) list.shift();
    return { status: head.status, code: head.code };
  }
}
