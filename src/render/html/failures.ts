/** Example URLs kept per error code. */
export const EXAMPLES_PER_CODE = 3;
/** Error codes listed one by one; the rest are summed in one group. */
const MAX_CODES = 100;

export interface FailureGroup {
  code: string;
  count: number;
  examples: { url: string; message: string }[];
}

/** Failed items grouped by error code, with a few example URLs each. */
export class FailureGroups {
  readonly #groups = new Map<string, FailureGroup>();

  add(code: string, url: string, message: string): void {
    const key = code === '' ? 'UNKNOWN' : code;
    let g = this.#groups.get(key);
    if (!g) {
      if (this.#groups.size >= MAX_CODES) return this.add('(other codes)', url, message);
      g = { code: key, count: 0, examples: [] };
      this.#groups.set(key, g);
    }
    g.count++;
    if (g.examples.length < EXAMPLES_PER_CODE) g.examples.push({ url, message: message.slice(0, 300) });
  }

  /** The groups, largest first. */
  groups(): FailureGroup[] {
    return [...this.#groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }
}
