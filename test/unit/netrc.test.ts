import assert from 'node:assert/strict';
import { test } from 'node:test';
import { netrcCredentials, parseNetrc } from '../../src/transport/netrc.js';

test('netrc: machine, login, password, default, as curl reads them', () => {
  const text = [
    '# a comment line',
    'machine example.com login alice password "pass word"  # trailing comment',
    'machine Example.org',
    '  login bob',
    '  account ignored',
    '  password "q\\"uote\\\\d"',
    'macdef init',
    'cd /pub',
    'machine not.a.host login nobody password none',
    '',
    'machine two.example login first password one',
    'machine two.example login second password two',
    'default login anon password guest',
  ].join('\n');
  const entries = parseNetrc(text);
  const get = (host: string, login?: string) => {
    const c = netrcCredentials(entries, host, login);
    return c && `${c.username}:${c.password}`;
  };
  assert.equal(get('example.com'), 'alice:pass word');
  assert.equal(get('EXAMPLE.ORG'), 'bob:q"uote\\d');
  assert.equal(get('not.a.host'), 'anon:guest', 'lines of a macdef are no entries');
  assert.equal(get('two.example'), 'first:one', 'the first entry of a host');
  assert.equal(get('two.example', 'second'), 'second:two', 'the entry of the login asked for');
  assert.equal(get('two.example', 'third'), undefined, 'no entry has that login');
  assert.equal(get('elsewhere'), 'anon:guest', 'default for any other host');
  assert.equal(netrcCredentials(parseNetrc('machine a login x password y'), 'b'), undefined, 'no default');
  assert.deepEqual(parseNetrc(''), []);
  assert.deepEqual(parseNetrc('machine m login u'), [{ machine: 'm', login: 'u', password: undefined }]);
  assert.equal(netrcCredentials(parseNetrc('machine m password p'), 'm')?.username, '', 'a password alone');
});
