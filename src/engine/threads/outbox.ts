/**
 * Messages to another thread, sent together: everything posted during one turn of the event
 * loop goes as one array, once the turn's I/O callbacks have run. A message between threads
 * costs mostly for being one (the copy, the other loop's wake-up), not for its size, and a
 * busy run posts many small ones per turn.
 */
export class Outbox<M> {
  readonly #send: (batch: M[]) => void;
  #batch: M[] = [];
  #scheduled = false;

  constructor(send: (batch: M[]) => void) {
    this.#send = send;
  }

  post(m: M): void {
    this.#batch.push(m);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what waits now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#send(batch);
  }
}
