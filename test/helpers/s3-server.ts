import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The parts of a Koa context the middlewares below read (s3rver is a Koa app, shipped without types). */
interface KoaContext {
  method: string;
  path: string;
  url: string;
  query: Record<string, string | string[] | undefined>;
  headers: IncomingHttpHeaders;
  status: number;
  body: unknown;
  req: IncomingMessage;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface S3rverApp {
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverApp;

const require = createRequire(import.meta.url);

/** One request s3rver received, as the client sent it. */
export interface S3Request {
  method: string;
  /** Path and query, e.g. `/bucket/key?uploadId=…&partNumber=1`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The status answered, once answered. */
  status?: number;
}

/** Requests held before s3rver sees them, until released. */
export interface Hold {
  /** Resolves with the first request held. */
  arrived: Promise<S3Request>;
  /** Lets the held requests (and later matching ones) through. */
  release(): void;
}

export interface S3TestServer {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** A bucket created before the server started. */
  bucket: string;
  /** s3rver's storage folder. */
  dir: string;
  /** Every request received, in order. */
  requests: S3Request[];
  /** Holds every request that `match` accepts until released. */
  hold(match: (r: S3Request) => boolean): Hold;
  /** Resolves with the first request `match` accepts once it has been answered (at once if one was). */
  answered(match: (r: S3Request) => boolean): Promise<S3Request>;
  /** Multipart uploads started and neither completed nor aborted (read from s3rver's storage folder). */
  pendingUploads(): Promise<string[]>;
  close(): Promise<void>;
}

export interface S3ServerOptions {
  /**
   * s3rver 3.7 has no AbortMultipartUpload (DELETE /bucket/key?uploadId=… answers 405
   * MethodNotAllowed) and no ListMultipartUploads. When true (the default) the server gets the
   * former: the upload's folder in s3rver's own storage is removed and 204 is answered, as S3
   * does, or 404 NoSuchUpload for an upload it does not hold. False keeps s3rver as shipped.
   */
  abortMultipart?: boolean;
}

/**
 * Credentials s3rver accepts. Also points the SDK's config files at paths that do not exist, so
 * that nothing configured on the machine (a profile, a region, an endpoint) takes part.
 */
export function useS3rverCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  const nowhere = path.join(os.tmpdir(), `parafetch-no-aws-config-${process.pid}`);
  process.env.AWS_CONFIG_FILE = path.join(nowhere, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(nowhere, 'credentials');
  for (const name of [
    'AWS_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_S3',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_REQUEST_CHECKSUM_CALCULATION',
    'AWS_RESPONSE_CHECKSUM_VALIDATION',
  ]) {
    delete process.env[name];
  }
}

/** Starts s3rver on 127.0.0.1, port 0, storing in a fresh temporary folder, with one bucket. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
  const S3rver = require('s3rver') as S3rverClass;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parafetch-s3rver-'));
  const bucket = 'test-bucket';
  const requests: S3Request[] = [];
  const app = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: bucket }],
  });
  const uploadsDir = (b: string) => path.join(dir, b, '._S3rver_uploads');

  const holds: Array<{
    match: (r: S3Request) => boolean;
    gate: Promise<void>;
    arrive: (r: S3Request) => void;
  }> = [];
  const releases: Array<() => void> = [];
  let onAnswer: Array<(r: S3Request) => void> = [];
  const record: Middleware = async (ctx, next) => {
    const seen: S3Request = { method: ctx.method, url: ctx.url, headers: { ...ctx.headers } };
    requests.push(seen);
    for (const h of holds) {
      if (!h.match(seen)) continue;
      h.arrive(seen);
      await h.gate;
    }
    // A request held while its client went away never reaches s3rver (which would wait for the
    // rest of its body forever), as S3 drops a part whose body did not arrive.
    if (ctx.req.destroyed || ctx.req.socket.destroyed) {
      seen.status = 0;
      return;
    }
    try {
      await next();
    } finally {
      seen.status = ctx.status;
      const waiting = onAnswer;
      onAnswer = [];
      for (const w of waiting) w(seen);
    }
  };
  const abortMultipart: Middleware = async (ctx, next) => {
    const uploadId = ctx.query.uploadId;
    if (ctx.method !== 'DELETE' || typeof uploadId !== 'string') return next();
    const b = decodeURIComponent(ctx.path.split('/')[1] ?? '');
    // s3rver names upload folders with 32 hex digits; anything else is no upload of its.
    const held = /^[0-9a-f]{32}$/.test(uploadId) && (await pendingIn(uploadsDir(b))).includes(uploadId);
    if (!held) {
      ctx.status = 404;
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${uploadId}</UploadId></Error>`;
      return;
    }
    await rm(path.join(uploadsDir(b), uploadId), { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = null;
  };
  // Before s3rver's own middleware (its router answers 405 for this request).
  app.middleware.unshift(...(options.abortMultipart === false ? [record] : [record, abortMultipart]));

  const address = await app.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    dir,
    requests,
    hold(match) {
      let release!: () => void;
      let arrive!: (r: S3Request) => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const arrived = new Promise<S3Request>((resolve) => (arrive = resolve));
      holds.push({ match, gate, arrive });
      releases.push(release);
      return { arrived, release };
    },
    answered(match) {
      const done = requests.find((r) => r.status !== undefined && match(r));
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => {
        const check = (r: S3Request) => (match(r) ? resolve(r) : onAnswer.push(check));
        onAnswer.push(check);
      });
    },
    pendingUploads: () => pendingIn(uploadsDir(bucket)),
    async close() {
      for (const release of releases) release();
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function pendingIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
