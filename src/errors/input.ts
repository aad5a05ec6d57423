import { ParafetchError } from './base.js';

/** A manifest line that cannot be read as an item; names the source and line number. */
export class InputError extends ParafetchError {
  readonly source: string;
  readonly line: number;

  constructor(source: string, line: number, reason: string) {
    super('INPUT_ERROR', `${source}:${line}: ${reason}`);
    this.source = source;
    this.line = line;
  }
}
