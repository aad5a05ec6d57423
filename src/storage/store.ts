/**
 * Where downloaded bytes go. The download path depends on this seam, not on a disk: it asks a
 * store what it can do (`capabilities`) and streams each item into an `Upload` that appears
 * whole under its name at `commit`, or not at all. The local folder, WebDataset shards and S3
 * are implementations.
 */

/** What a store can do; the download path asks rather than assuming a disk. */
export interface StoreCapabilities {
  /**
   * Writes at any offset and keeps a partial file across attempts and runs: split downloads and
   * resume. A store without it gets one stream per item, front to back, started over on a retry.
   */
  readonly positional: boolean;
  /**
   * Keeps items in input order: every item's outcome, failures included, goes through
   * `OrderedStore.place`, and results come out in input order (shards).
   */
  readonly ordered: boolean;
}

/** An object already stored, found by `stat`. */
export interface StoredObject {
  /** Where it is: an absolute path or a URL, as results report it. */
  location: string;
  size: number;
  /** Its SHA-256 (hex), when the store knows it. */
  sha256?: string | undefined;
  /**
   * The error code the item failed with when a complete shard recorded it: it stays failed there
   * (the shard is not written again), so it is not fetched again.
   */
  failed?: string | undefined;
}

/** Which item `stat` asks about. */
export interface StatTarget {
  /** The item's position in the input, from 0. */
  index: number;
  /** Its destination relative to the store's root (`a/b.jpg`), as `UploadTarget.name`. */
  name: string;
}

/** What an upload is for. */
export interface UploadTarget extends StatTarget {
  /** The URL the bytes come from (recorded beside them by stores that keep metadata). */
  url: string;
  /** Bytes to come, when the server said: lets a store pick a single request or parts. */
  size?: number | undefined;
  /** The response's `Content-Type`, when it had one. */
  contentType?: string | undefined;
  /** The item's own key (shards name its members after it), when the input gave one. */
  key?: string | undefined;
}

/** One object being written, sequentially. Nothing of it is visible before `commit`. */
export interface Upload {
  /** Appends a chunk (the upload may keep it: do not reuse it). False: wait for `drained()`. */
  write(chunk: Uint8Array): boolean;
  /** Resolves when the upload can take more; rejects with the upload's error, if it failed. */
  drained(): Promise<void>;
  /**
   * Makes the object whole and visible under its name, atomically; `sha256` is the hex SHA-256
   * of every byte written, when computed (a store that can verify it sends it along). Resolves
   * with where the object is (a path or URL). An upload is committed or aborted, once.
   */
  commit(sha256: string | undefined): Promise<string>;
  /** Drops what was written: no object appears. Safe after a failed commit, and twice. */
  abort(): Promise<void>;
}

export interface Store {
  readonly capabilities: StoreCapabilities;
  /** Where `name` is or would be (an absolute path or a URL), for results and messages. */
  locate(name: string): string;
  /** The object already stored for this item, or undefined: what skip-existing asks. */
  stat(target: StatTarget): Promise<StoredObject | undefined>;
  /** The whole object stored under `name`, or undefined when there is none (shards read back their index). */
  read(name: string): Promise<Uint8Array | undefined>;
  /** Opens an upload. Rejects with a ParafetchError (DISK_ERROR, STORE_ERROR, …). */
  open(target: UploadTarget, signal?: AbortSignal): Promise<Upload>;
  /** Ends the run's writing: whatever was committed is durable and complete after it. */
  close(): Promise<void>;
  /** Ends it after an abort: nothing incomplete is left under a final name. */
  destroy(): Promise<void>;
}

/** How one item ended, as an ordered store records it (a row of its index, say). */
export interface ItemOutcome {
  index: number;
  url: string;
  status: 'ok' | 'skipped' | 'failed' | 'cancelled';
  /** Bytes received (for `ok`: the object's size). */
  bytes: number;
  sha256?: string | undefined;
  /** The stable error code of a failure. */
  errorCode?: string | undefined;
  /** Wall time spent on the item, in milliseconds. */
  ms: number;
  /** The item's own key, when the input gave one. */
  key?: string | undefined;
  /** The item's own fields from the input (columns beyond those parafetch reads). */
  fields?: Readonly<Record<string, unknown>> | undefined;
}

/** Where an ordered store put an item. */
export interface Placement {
  /** The file or object that holds it (a shard), when it was written. */
  location?: string | undefined;
  /** The item's key inside it. */
  key?: string | undefined;
  /**
   * Resolves once the file or object that holds the item is whole under its name (its shard
   * committed), rejects when it never will be (dropped, or failed to write). Absent when it
   * already is, or when nothing was written for the item.
   */
  whole?: Promise<void> | undefined;
}

/** A store that keeps items in input order (`capabilities.ordered`). */
export interface OrderedStore extends Store {
  /**
   * Hands over one item's outcome; every index from 0 once, in any order. Resolves, in index
   * order, when the item is placed (an `ok` item's committed upload written into its shard).
   * Rejects only when the store itself failed (a full disk): the run then stops.
   */
  place(outcome: ItemOutcome): Promise<Placement>;
  /** Outcomes handed over and not yet placed: the run stops letting items in when too many wait. */
  readonly pending: number;
}

export function isOrdered(store: Store): store is OrderedStore {
  return store.capabilities.ordered;
}
