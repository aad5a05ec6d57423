import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

const run = promisify(execFile);

/**
 * Readers that share no code with parafetch: GNU tar for the shards, DuckDB for their parquet
 * indexes. Throws, saying how to get it, when GNU tar is missing.
 */
export function requireGnuTar(): void {
  const tar = spawnSync('tar', ['--version'], { encoding: 'utf8' });
  if (tar.error || !/GNU tar/.test(tar.stdout)) {
    throw new Error('these tests read shards back with GNU tar, which is missing: apt-get install tar');
  }
}

/** `tar -tvf`: one line per member, in the order they are in the file. */
export async function tarList(file: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tvf', file]);
  return stdout.trim().split('\n').filter(Boolean);
}

/** `tar -tf`: the member names, in order. */
export async function tarNames(file: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tf', file]);
  return stdout.trim().split('\n').filter(Boolean);
}

/** One member's bytes, by `tar -xOf`. */
export async function tarMember(file: string, name: string): Promise<Buffer> {
  const { stdout } = await run('tar', ['-xOf', file, name], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** A DuckDB connection in memory, for reading parquet files. */
export async function duckdb(): Promise<DuckDBConnection> {
  return (await DuckDBInstance.create(':memory:')).connect();
}

/** Every row of a parquet file as DuckDB reads it, by index; big integers as numbers. */
export async function parquetRows(duck: DuckDBConnection, file: string): Promise<Record<string, unknown>[]> {
  const reader = await duck.runAndReadAll(
    `select * from read_parquet('${file.replace(/'/g, "''")}') order by "index"`,
  );
  return reader
    .getRowObjects()
    .map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    );
}
