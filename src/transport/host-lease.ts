/**
 * Connections to an origin shared with other processes: a cluster's per-host limit and the
 * pauses its origins ask for. Each request holds a lease from before it is sent until its body
 * is over; the client asks for one when it has a HostLease.
 */
export interface HostLease {
  /** Resolves with the lease's release once a request to `origin` may go; rejects when `signal` aborts. */
  acquire(origin: string, signal?: AbortSignal): Promise<() => void>;
  /** The origin answered 429 or 503 with this `Retry-After`: every holder of leases to it waits. */
  refused(origin: string, retryAfter: string): void;
}
