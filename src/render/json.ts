import type { Downloader } from '../index.js';
import { jsonLine } from './printable.js';
import type { InputProblem, OutputStream, Renderer } from './renderer.js';
import { reportRecord } from './report.js';
import type { RunEnd } from './summary.js';

/**
 * `--json`: one JSON object per line on stdout, and nothing else there.
 * ```
 * {"event":"start","index":0,"url":"..."}
 * {"event":"retry","index":0,"url":"...","attempt":1,"delayMs":512,"error":{"code":"HTTP_503","message":"..."}}
 * {"event":"result","index":0,"url":"...","path":"a.bin","status":"ok","bytes":5,"sha256":"...","attempts":1,"ms":3,"error":null}
 * {"event":"end","ok":1,"skipped":0,"failed":0,"cancelled":0,"notStarted":0,"bytes":5,"ms":9,"aborted":false,"failuresByCode":{},"inputErrors":0}
 * ```
 * A result carries the fields of a `--report` line; its status is `cancelled` for an item an
 * interrupt stopped. In `end`, `cancelled` counts those (not in `failed`) and `notStarted` the
 * ones among them that never started. Human-readable output stays on stderr.
 */
export class JsonRenderer implements Renderer {
  readonly #out: OutputStream;
  readonly #dir: string;

  constructor(stdout: OutputStream, dir: string) {
    this.#out = stdout;
    this.#dir = dir;
  }

  attach(downloader: Downloader): void {
    downloader.on('start', (e) => this.#emit({ event: 'start', index: e.index, url: e.url }));
    downloader.on('retry', (e) =>
      this.#emit({
        event: 'retry',
        index: e.index,
        url: e.url,
        attempt: e.attempt,
        delayMs: e.delayMs,
        error: { code: e.error.code, message: e.error.message },
      }),
    );
    downloader.on('result', (r) =>
      this.#emit({ event: 'result', index: r.index, ...reportRecord(r, this.#dir) }),
    );
  }

  inputProblem(_problem: InputProblem): void {}

  error(_text: string): void {}

  notice(_text: string): void {}

  finish(end: RunEnd): void {
    this.#emit({ event: 'end', ...end.summary, inputErrors: end.inputErrors });
  }

  abandon(): void {}

  #emit(event: Record<string, unknown>): void {
    this.#out.write(`${jsonLine(event)}\n`);
  }
}
