import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParafetchError, ProxyError } from '../../src/errors/index.js';
import { parseProxyUrl, redactProxy, resolveProxies } from '../../src/transport/proxy-settings.js';
import { proxyFailure, proxyRefusal } from '../../src/transport/proxy-tunnel.js';

describe('proxy URLs', () => {
  test('accepted as curl takes them, refused otherwise', () => {
    const table: [string, string | undefined][] = [
      ['http://proxy:3128', 'http://proxy:3128/'],
      ['HTTPS://Proxy', 'https://proxy/'],
      ['proxy:3128', 'http://proxy:3128/'],
      ['http://u:p@proxy', 'http://u:p@proxy/'],
      ['[::1]:8080', 'http://[::1]:8080/'],
      ['http://[bad', undefined],
      ['http://a%40b:c@proxy', 'http://a%40b:c@proxy/'],
      // regression: a malformed escape in the credentials passed, then undici threw URIError.
      ['http://a%zz:b@127.0.0.1:9', undefined],
      ['http://a:b%zz@proxy', undefined],
      ['socks5://proxy:1080', undefined],
      ['http://', undefined],
      ['', undefined],
    ];
    for (const [text, href] of table) assert.equal(parseProxyUrl(text)?.href, href, text);
  });

  test('shown without credentials, even when malformed', () => {
    const table: [string, string][] = [
      ['http://me:secret@proxy:3128/', 'http://proxy:3128'],
      ['proxy:3128', 'http://proxy:3128'],
      ['http://me:secret@[bad', 'http://***@[bad'],
      ['http://a%zz:secret@127.0.0.1:9', 'http://***@127.0.0.1:9'],
    ];
    for (const [text, shown] of table) assert.equal(redactProxy(text), shown, text);
  });

  test('an explicit proxy serves both schemes; none reads no environment', () => {
    const env = { HTTP_PROXY: 'http://[bad' };
    assert.deepEqual(resolveProxies('none', env), { http: undefined, https: undefined, noProxy: '' });
    assert.deepEqual(resolveProxies('p:1', env), { http: 'http://p:1/', https: 'http://p:1/', noProxy: '' });
    assert.throws(() => resolveProxies('env', env), /`HTTP_PROXY`/);
    assert.deepEqual(resolveProxies('env', { HTTPS_PROXY: 'p:2', HTTP_PROXY: '' }), {
      http: undefined,
      https: 'http://p:2/',
      noProxy: '',
    });
  });
});

describe('proxy failures', () => {
  const proxy = 'http://127.0.0.1:3128';
  const sys = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

  test('errors reaching the proxy become ProxyErrors naming it; aborts and ours pass through', () => {
    const table: [unknown, string | undefined, boolean | undefined][] = [
      [sys('ECONNREFUSED'), 'PROXY_REFUSED', true],
      [sys('ENOTFOUND'), 'PROXY_ERROR', true],
      [sys('ECONNRESET'), 'PROXY_ERROR', true],
      [Object.assign(new Error('aborted'), { code: 'UND_ERR_ABORTED' }), undefined, undefined],
      [Object.assign(new Error('aborted'), { name: 'AbortError' }), undefined, undefined],
    ];
    for (const [err, code, retryable] of table) {
      const mapped = proxyFailure(err, proxy);
      if (code === undefined) {
        assert.equal(mapped, err, 'passed through');
        continue;
      }
      assert.ok(mapped instanceof ProxyError);
      assert.equal(mapped.code, code);
      assert.equal(mapped.retryable, retryable);
      assert.equal(mapped.proxy, proxy);
      assert.ok(mapped.message.includes(proxy), mapped.message);
    }
    const ours = new ParafetchError('LOW_SPEED', 'slow');
    assert.equal(proxyFailure(ours, proxy), ours);
  });

  test('a CONNECT answered with anything but 200', () => {
    const missing = proxyRefusal(407, proxy, 'host:443', false);
    assert.equal(missing.code, 'PROXY_AUTH_REQUIRED');
    assert.equal(missing.retryable, false);
    assert.equal(missing.message, `proxy ${proxy} requires credentials (407)`);
    assert.equal(
      proxyRefusal(407, proxy, 'host:443', true).message,
      `proxy ${proxy} refused the credentials given (407)`,
    );
    const bad = proxyRefusal(502, proxy, 'host:443', false);
    assert.equal(bad.code, 'PROXY_ERROR');
    assert.equal(bad.retryable, true);
    assert.equal(bad.message, `proxy ${proxy} answered 502 to CONNECT host:443`);
  });
});
