import { Command, Option } from 'commander';
import { INPUT_FORMATS, type InputFormat } from '../inputs/index.js';
import { VERSION } from '../index.js';
import { OUTPUT_DEFAULTS } from '../engine/output-options.js';
import { addAliases, aliasHelp } from './aliases.js';
import { addConnectionFlags } from './connection-flags.js';
import { integer, size, sizeFrom, userPassword, valued } from './values.js';

/** The options as commander leaves them, after the value parsers ran. */
export interface ParsedFlags {
  input?: string[];
  /** Commander's `.choices` admits only these. */
  inputFormat?: InputFormat;
  dir: string;
  out?: string;
  concurrency: number;
  perHost?: number;
  workers?: number;
  split: number | 'auto';
  minSplitSize: number;
  retries: number;
  timeout: number;
  connectTimeout: number;
  stallTimeout: number;
  speedLimit: number;
  speedTime: number;
  limitRate: number;
  maxFileRate: number;
  http2?: boolean;
  maxRedirects: number;
  header?: [string, string][];
  userAgent?: string;
  proxy?: string;
  insecure?: boolean;
  contentDisposition?: boolean;
  /** `--no-hash` sets it false. */
  hash: boolean;
  durable?: boolean;
  overwrite?: boolean;
  skipExisting?: boolean;
  keepBoth?: boolean;
  report?: string;
  saveFailed?: string;
  reportHtml?: string;
  outputFormat: 'files' | 'webdataset';
  shardItems: number;
  shardBytes?: number;
  s3Endpoint?: string;
  s3Region?: string;
  s3PartSize: number;
  quiet?: boolean;
  progress: 'auto' | 'bar' | 'plain' | 'none';
  json?: boolean;
  continue?: boolean;
  dryRun?: boolean;
  user?: { username: string; password: string };
  netrc?: boolean;
  netrcFile?: string;
  loadCookies?: string;
  saveCookies?: string;
}

const EXAMPLES = `
Examples:
  parafetch https://example.com/a.iso https://example.com/b.iso
  parafetch -o latest.iso https://example.com/download?id=42
  parafetch -i urls.txt -d downloads -j 32 --per-host 4
  parafetch -i manifest.csv --report report.jsonl --save-failed failed.csv
  parafetch -i failed.csv                     # re-run exactly the items that failed
  parafetch report report.jsonl --html run.html   # a page of the run: throughput, hosts, failures
  zcat urls.txt.gz | parafetch -i - -q        # a list on stdin
  parafetch -i files.aria2 --json > events.jsonl
  parafetch -i images.csv --output-format webdataset -d shards   # tar shards + parquet
  parafetch -i urls.txt -d s3://bucket/prefix -j 32                # into object storage

Many machines (a queue in Redis: --redis URL or REDIS_URL; each has --help):
  parafetch enqueue -i urls.txt -d /shared/data    # the main command's inputs and options
  parafetch worker -j 32 --exit-when-empty         # on every machine
  parafetch status --watch                         # and: parafetch report -o report.jsonl

Inputs (-i):
  txt     one URL per line, optionally followed by whitespace and a path   (default)
  aria2   aria2c input file: URL lines, then indented out=, dir=, header=, checksum=sha-256=
  csv     header row with a url column, optional path and sha256 columns   (.csv)
  tsv     the same, TAB-separated                                          (.tsv)
  jsonl   one {"url", "path"?, "sha256"?, "headers"?, "mirrors"?} per line   (.jsonl, .ndjson)
  The format comes from the extension (.aria2 for aria2) unless --input-format says; gzip is
  recognised by its content. Lines are read as a stream, so a list of any length starts at once.
  A malformed line is reported with its file and line number; the other lines still download.

Files:
  Bytes go to NAME.part and are renamed when complete and verified. An existing file is
  skipped by default, so running the same command again after an interruption or a failure
  downloads only what is missing. Ctrl-C stops cleanly (a second one exits at once).
  --report writes one JSON object per item: url, path (relative to --dir), status
  (ok|skipped|failed), bytes, sha256, attempts, ms, error ({code, message} or null).
  --save-failed writes the failed items in the format its name says (failed.csv, failed.jsonl,
  failed.aria2, else a plain list), so that 'parafetch -i FILE' retries exactly those.

Environment:
  HTTP_PROXY, HTTPS_PROXY, NO_PROXY (or lowercase)   proxies, unless --proxy is given; a malformed
  one is a usage error. https:// URLs use HTTP_PROXY when HTTPS_PROXY is not set.

Exit status:
  0    every item downloaded or already there
  1    some items failed
  2    usage error: a bad option, an unreadable input, a malformed input line
  130  interrupted (Ctrl-C, SIGTERM)
`;

/** The command's options and help. Parsing throws a CommanderError (see `exitOverride`). */
export function createProgram(): Command {
  const program = new Command('parafetch')
    .usage('[options] [URL ...]')
    .description(
      'Download many files in parallel, from URLs given here and from lists (-i), resuming and ' +
        'retrying as needed, without ever leaving a partial file under its final name.',
    )
    .argument('[URL...]', 'http(s) URLs to download')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .exitOverride()
    .showHelpAfterError('(run parafetch --help for usage)')
    .addHelpText('after', EXAMPLES + aliasHelp());

  program
    .optionsGroup('Input:')
    .addOption(
      new Option('-i, --input <FILE>', "read items from FILE ('-' for stdin); repeatable").argParser(
        (text: string, previous: string[] | undefined) => [...(previous ?? []), text],
      ),
    )
    .addOption(
      new Option('--input-format <FORMAT>', 'format of every -i input (default: from the extension)').choices(
        INPUT_FORMATS,
      ),
    )
    .option('-o, --out <NAME>', 'file name for the single URL given (relative to --dir)');

  program
    .optionsGroup('Output:')
    .addOption(
      new Option('-d, --dir <DIR>', 'destination folder, or s3://BUCKET/PREFIX').default(
        '.',
        'the current folder',
      ),
    )
    .addOption(
      new Option(
        '--skip-existing',
        'keep a file that already exists, do not download it (default)',
      ).conflicts(['overwrite', 'keepBoth']),
    )
    .addOption(new Option('--overwrite', 'replace files that already exist').conflicts(['keepBoth']))
    .addOption(new Option('--keep-both', 'keep the existing file, save the new one as NAME.1.EXT'))
    .addOption(
      new Option(
        '-c, --continue',
        "continue a shorter file already at the final name from its length (a range request, checked against the server's size)",
      ).conflicts(['overwrite', 'keepBoth']),
    )
    .option('--content-disposition', 'name files from the Content-Disposition header when no name is given')
    .option(
      '--no-hash',
      "do not compute each file's SHA-256 (the report says null); a sha256 given with an item is still checked",
    )
    .option(
      '--durable',
      'sync every file to the disk before its rename (slower for small files; by default files up to 256 KiB are not)',
    )
    .option('--report <FILE>', 'write one JSON line per item to FILE (url, path, status, ...)')
    .option('--save-failed <FILE>', 'write the failed items to FILE as an input list for -i')
    .option(
      '--report-html <FILE>',
      'write a page of the run to FILE at its end: throughput, slowest items, hosts, failures',
    );

  program
    .optionsGroup('Shards and object storage:')
    .addOption(
      new Option(
        '--output-format <FORMAT>',
        'files: one file per item; webdataset: NNNNNN.tar shards, each with a NNNNNN.parquet index',
      )
        .choices(['files', 'webdataset'])
        .default('files'),
    )
    .addOption(
      valued(
        '--shard-items <N>',
        'items per shard at most, failures included',
        integer(1, Number.MAX_SAFE_INTEGER),
        OUTPUT_DEFAULTS.shardItems,
      ),
    )
    .addOption(valued('--shard-bytes <SIZE>', 'bytes of data per shard at most (default: no limit)', size))
    .option(
      '--s3-endpoint <URL>',
      'endpoint of an S3-compatible store for -d s3://BUCKET/PREFIX (default: AWS_ENDPOINT_URL, else AWS)',
    )
    .option('--s3-region <REGION>', "the bucket's region (default: AWS_REGION, else us-east-1)")
    .addOption(
      valued(
        '--s3-part-size <SIZE>',
        'part size of multipart uploads (at least 5M)',
        sizeFrom(OUTPUT_DEFAULTS.minPartSize, '5M'),
        OUTPUT_DEFAULTS.partSize,
        `${OUTPUT_DEFAULTS.partSize / 2 ** 20}M`,
      ),
    );

  addConnectionFlags(program);

  program
    .optionsGroup('Authentication and cookies:')
    .addOption(
      valued(
        '-u, --user <USER:PASSWORD>',
        "Basic credentials for the items' origins (a URL's own user:pass@ comes first); never sent to a redirect to another origin",
        userPassword,
      ),
    )
    .option('--netrc', 'take credentials for a host without others from ~/.netrc')
    .option('--netrc-file <FILE>', 'take credentials for a host without others from FILE (netrc format)')
    .option(
      '--load-cookies <FILE>',
      'start with the cookies of FILE (Netscape format, as curl -b and wget read)',
    )
    .option(
      '--save-cookies <FILE>',
      'keep cookies during the run and write them all to FILE at the end (Netscape format, session cookies too)',
    );

  program
    .optionsGroup('Display:')
    .option('-q, --quiet', 'print nothing but errors: no progress, no summary')
    .addOption(
      new Option(
        '--progress <MODE>',
        'auto: bar on a terminal, else plain; bar: live display; ' +
          'plain: a line per file and a status line every 5 s; none: the summary only',
      )
        .choices(['auto', 'bar', 'plain', 'none'])
        .default('auto'),
    )
    .option('--json', 'print JSON Lines events (start, retry, result, end) on stdout, and nothing else there')
    .option(
      '--dry-run',
      'read the inputs and print what would be fetched to which path, and how many; no request is made',
    );

  return addAliases(program);
}
