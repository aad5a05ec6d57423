import type { Downloader } from '../index.js';
import type { RunEnd } from './summary.js';

/** A line of an input that could not be read, or a note about something ignored in it. */
export interface InputProblem {
  kind: 'error' | 'warning';
  /** `file:line: reason`. */
  message: string;
}

/** A stream a renderer writes to; `isTTY` and `columns` when it is a terminal. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Draws a run for a reader: a live bar, plain lines, JSON events, or nothing. A renderer only
 * presents what the engine and the command tell it; it decides nothing about the run.
 */
export interface Renderer {
  /** The run is about to start: subscribe to the downloader's events, start any timer. */
  attach(downloader: Downloader): void;
  /** A malformed input line, an unreadable input, or a warning about an input. */
  inputProblem(problem: InputProblem): void;
  /** An error of the command itself (not of one item). */
  error(text: string): void;
  /** Something the user should know, such as the first Ctrl-C being seen. */
  notice(text: string): void;
  /** The run is over: stop drawing, print the summary. */
  finish(end: RunEnd): void;
  /** The process exits at once (second Ctrl-C): stop drawing and restore the terminal, nothing else. */
  abandon(): void;
}

/** Several renderers as one, e.g. a progress display on stderr and JSON events on stdout. */
export function allOf(renderers: readonly Renderer[]): Renderer {
  return {
    attach: (d) => renderers.forEach((r) => r.attach(d)),
    inputProblem: (p) => renderers.forEach((r) => r.inputProblem(p)),
    error: (t) => renderers.forEach((r) => r.error(t)),
    notice: (t) => renderers.forEach((r) => r.notice(t)),
    finish: (e) => renderers.forEach((r) => r.finish(e)),
    abandon: () => renderers.forEach((r) => r.abandon()),
  };
}
