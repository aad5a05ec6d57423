import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attemptSession, credentialsFor } from '../../src/download/attempt-session.js';
import { jsonLine, printable } from '../../src/render/printable.js';
import {
  basicAuthorization,
  redactCredentials,
  urlCredentials,
  withoutCredentials,
} from '../../src/transport/credentials.js';
import { parseNetrc } from '../../src/transport/netrc.js';
import { sessionHeaders } from '../../src/transport/session.js';

describe('URL credentials', () => {
  test('read decoded, taken out of the URL, sent as Basic', () => {
    const url = new URL('http://us%40er:p%3Ass@host:8080/a?b');
    assert.deepEqual(urlCredentials(url), { username: 'us@er', password: 'p:ss' });
    assert.equal(withoutCredentials(url).href, 'http://host:8080/a?b');
    assert.equal(url.username, 'us%40er', 'the URL given is left as it was');
    assert.equal(urlCredentials(new URL('http://host/')), undefined);
    assert.equal(
      basicAuthorization({ username: 'Aladdin', password: 'open sesame' }),
      'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    );
    assert.equal(
      basicAuthorization({ username: 'ü', password: '' }),
      `Basic ${Buffer.from('ü:').toString('base64')}`,
    );
  });

  test('masked in any text that names URLs: user:***@, or ***@ for a user alone', () => {
    const table: [string, string, string][] = [
      ['a URL', 'http://alice:s3cret@host/x', 'http://alice:***@host/x'],
      ['a user alone (a token)', 'https://ghp_token@host/x', 'https://***@host/x'],
      ['an empty user', 'http://:pw@host/', 'http://:***@host/'],
      ['the last @ ends the credentials', 'http://a@b:c@d@host/', 'http://a@b:***@host/'],
      [
        'inside a message',
        'server answered 404 for http://u:p@h:1/f (x)',
        'server answered 404 for http://u:***@h:1/f (x)',
      ],
      ['two URLs', 'http://a:1@x/ -> https://b:2@y/', 'http://a:***@x/ -> https://b:***@y/'],
      ['upper case, backslashes', 'HTTP:\\\\u:p@host', 'HTTP:\\\\u:***@host'],
      ['no slashes, as a URL parser reads it', 'http:u:p@host/', 'http:u:***@host/'],
      [
        'a mail address after a URL is left alone',
        'see http://host/x or mail a@b.c',
        'see http://host/x or mail a@b.c',
      ],
      ['an @ in the path is no credential', 'http://host/@user', 'http://host/@user'],
      ['an @ in the query is no credential', 'http://host/?to=a@b', 'http://host/?to=a@b'],
      ['no URL', 'nothing here @ all', 'nothing here @ all'],
    ];
    for (const [name, input, expected] of table) {
      assert.equal(redactCredentials(input), expected, name);
      assert.equal(redactCredentials(expected), expected, `${name}: twice changes nothing`);
    }
  });

  test('what is printed or written as JSON shows no password', () => {
    assert.equal(printable('failed http://u:pw@h/\u001b[31m'), 'failed http://u:***@h/\\x1b[31m');
    // A control character in the credentials does not cut the masking short.
    assert.equal(printable('http://u:p\u001bw@h/'), 'http://u:***@h/');
    const line = jsonLine({ url: 'http://u:p\u0007w@h/', error: { message: 'for http://u:pw@h/' }, n: 1 });
    assert.doesNotMatch(line, /pw|p\\u0007w/);
    assert.deepEqual(JSON.parse(line), {
      url: 'http://u:***@h/',
      error: { message: 'for http://u:***@h/' },
      n: 1,
    });
  });
});

describe('credentials of an attempt', () => {
  const netrc = parseNetrc(
    'machine host login nl password np\nmachine host login bob password bobs\ndefault login dl password dp',
  );
  const auth = { username: 'cli', password: 'clip' };
  test('the URL first, then auth (--user), then netrc, then netrc default', () => {
    const table: [string, string, Parameters<typeof credentialsFor>[1], [string, string] | undefined][] = [
      ['the URL wins over everything', 'http://u:p@host/', { auth, netrc }, ['u', 'p']],
      ['auth over netrc', 'http://host/', { auth, netrc }, ['cli', 'clip']],
      ['netrc by host', 'http://host:81/', { auth: undefined, netrc }, ['nl', 'np']],
      ['netrc host ignores case', 'http://HOST/', { auth: undefined, netrc }, ['nl', 'np']],
      ['netrc default for another host', 'http://other/', { auth: undefined, netrc }, ['dl', 'dp']],
      [
        "a URL's user alone takes its password from netrc",
        'http://bob@host/',
        { auth, netrc },
        ['bob', 'bobs'],
      ],
      [
        'a user with no netrc entry is sent with an empty password',
        'http://carl@host/',
        { auth: undefined, netrc: [] },
        ['carl', ''],
      ],
      ['nothing', 'http://host/', { auth: undefined, netrc: undefined }, undefined],
    ];
    for (const [name, url, options, expected] of table) {
      const c = credentialsFor(new URL(url), options);
      assert.deepEqual(c && [c.username, c.password], expected, name);
    }
  });

  test('sent to the origin of the item URL only: not to another port, scheme or host', async () => {
    const { url, session } = attemptSession(
      new URL('http://u:p@host:81/a'),
      { auth: undefined, netrc: undefined },
      undefined,
    );
    assert.equal(url.href, 'http://host:81/a');
    const expected = basicAuthorization({ username: 'u', password: 'p' });
    const sent = async (to: string) => (await sessionHeaders(new URL(to), { a: 'b' }, session)).authorization;
    assert.equal(await sent('http://host:81/other'), expected);
    assert.equal(await sent('http://host:82/a'), undefined);
    assert.equal(await sent('https://host:81/a'), undefined);
    assert.equal(await sent('http://elsewhere:81/a'), undefined);
    // A header given with the item or the run is left as it is.
    assert.equal(
      (await sessionHeaders(new URL('http://host:81/'), { authorization: 'Bearer t' }, session))
        .authorization,
      'Bearer t',
    );
  });
});
