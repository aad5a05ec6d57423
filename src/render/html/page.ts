import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PAGE_SCRIPT } from './page-script.js';
import { redacted } from './redact.js';
import type { RunView } from './view.js';

interface Assets {
  script: string;
  css: string;
}

let assets: Promise<Assets> | undefined;

/**
 * uPlot's script and style, read from its package at run time (the CLI is bundled, so they are
 * read from the installed package rather than imported).
 */
function uplotAssets(): Promise<Assets> {
  assets ??= (async () => {
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
    const [script, css] = await Promise.all([
      readFile(path.join(dir, 'uPlot.iife.min.js'), 'utf8'),
      readFile(path.join(dir, 'uPlot.min.css'), 'utf8'),
    ]);
    return { script, css };
  })();
  return assets;
}

/** Text safe inside an inline `<script>`: no `</script>` or `<!--` can end or change it. Pure. */
export function inlineScript(text: string): string {
  return text.replace(/<(\/script|!--)/gi, '<\\$1');
}

/** JSON safe inside `<script type="application/json">`: every `<` escaped. Pure. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:12px 20px;color:#222}
h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:22px 0 8px;border-bottom:1px solid #ddd}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dt{color:#666}dd{margin:0;word-break:break-all}
#totals{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}.card{border:1px solid #ddd;border-radius:6px;padding:6px 12px;min-width:90px}
.card b{display:block;font-size:20px}.card span{color:#666}.card.bad b{color:#c53030}
.note{background:#fff8e1;border:1px solid #f0d58c;padding:6px 10px;border-radius:4px}
table{border-collapse:collapse;width:100%}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}#hosts th{cursor:pointer;user-select:none}
th.asc::after{content:' ▲'}th.desc::after{content:' ▼'}
#failures td:last-child{text-align:left}.url{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.key{margin-right:14px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
#tip{position:absolute;background:#fff;border:1px solid #aaa;padding:4px 6px;font-size:12px;white-space:pre;pointer-events:none}
pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:300px}
`;

/** The run page: one self-contained HTML document (data, scripts and styles inline, nothing fetched). */
export async function runPageHtml(view: RunView): Promise<string> {
  const { script, css } = await uplotAssets();
  const data = { ...view, run: redacted(view.run) };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>parafetch run</title>
<style>${css}</style><style>${STYLE}</style>
</head><body>
<h1>parafetch run</h1>
<dl id="facts"></dl>
<div id="totals"></div>
<p id="no-times" class="note" hidden>This report has no times (an older report): the throughput over time cannot be drawn, and the waterfalls show durations only.</p>
<h2>Throughput</h2><div id="throughput"></div>
<h2>Connections in flight</h2><div id="connections"></div>
<h2>Slowest items</h2><div id="legend"></div><div id="slowest"></div>
<h2>A sample of items, by start (hover for each)</h2><div id="sample"></div>
<h2>Hosts</h2><table id="hosts"></table>
<h2>Failures by error code</h2><p id="rerun"></p>
<table id="failures"><thead><tr><th>code</th><th>items</th><th>examples</th></tr></thead></table>
<h2>Options</h2><pre id="options"></pre>
<div id="tip" hidden></div>
<script type="application/json" id="run-data">${inlineJson(data)}</script>
<script>${inlineScript(script)}</script>
<script>${inlineScript(PAGE_SCRIPT)}</script>
</body></html>
`;
}
