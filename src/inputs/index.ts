export { readInput, type ReadInputOptions } from './read.js';
export { countItems } from './count.js';
export type { InputEntry } from './entry.js';
export { detectFormat, INPUT_FORMATS, isInputFormat, type InputFormat } from './detect.js';
export { createItemWriter, type ItemWriter } from './writer.js';
