/**
 * The web node's pure pieces: CSV, query validation, passwords, upload checks, HTML escaping, error
 * mapping, wall-clock times in a zone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, RollcallError } from '../../src/core/index.js';
import { csvCell, csvRow } from '../../src/web/csv.js';
import { toErrorResponse } from '../../src/web/http-errors.js';
import { escapeHtml, html } from '../../src/web/pages.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/shared/passwords.js';
import { parseDayRange, parseInstantRange, parsePage } from '../../src/web/query.js';
import { generateApiToken, hashApiToken, isApiTokenShaped } from '../../src/shared/api-tokens.js';
import { safeFileName, sniffImageType } from '../../src/web/uploads.js';
import { zonedInstant } from '../../src/core/index.js';

function invalidMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RollcallError);
    assert.equal(error.code, ErrorCode.RequestInvalid);
    return error.message;
  }
  assert.fail('expected REQUEST_INVALID');
}

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks, and leaves plain text alone', () => {
    assert.equal(csvCell('Ada'), 'Ada');
    assert.equal(csvCell('Doe, Jo'), '"Doe, Jo"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(null), '');
    assert.equal(csvRow(['a', 1, true]), 'a,1,true\r\n');
  });

  it('neutralises text that a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      const cell = csvCell(`${start}SUM(A1)`);
      assert.ok(cell.startsWith("'") || cell.startsWith(`"'`), `${JSON.stringify(start)} gave ${cell}`);
    }
    assert.equal(csvCell(-3), '-3', 'numbers we write stay numbers');
  });
});

describe('query validation', () => {
  it('defaults a day range to today and bounds it', () => {
    assert.deepEqual(parseDayRange({}, '2025-03-10'), { from: '2025-03-10', to: '2025-03-10' });
    assert.deepEqual(parseDayRange({ from: '2024-03-10', to: '2025-03-10' }, 'x'), {
      from: '2024-03-10',
      to: '2025-03-10',
    });
    assert.match(
      invalidMessage(() => parseDayRange({ from: '2024-03-09', to: '2025-03-10' }, 'x')),
      /^to: .*366/,
    );
    assert.match(
      invalidMessage(() => parseDayRange({ from: '2025-02-29' }, 'x')),
      /^from:/,
    );
    assert.match(
      invalidMessage(() => parseDayRange({ from: ['a', 'b'] }, 'x')),
      /^from: give it once/,
    );
  });

  it('reads instants with a zone, bare dates as UTC days, and a default of the last day', () => {
    const now = Date.parse('2025-03-10T12:00:00Z');
    assert.deepEqual(parseInstantRange({}, now), {
      from: '2025-03-09T12:00:00.000Z',
      to: '2025-03-10T12:00:00.000Z',
    });
    assert.deepEqual(parseInstantRange({ from: '2025-03-10T10:00:00+02:00', to: '2025-03-10' }, now), {
      from: '2025-03-10T08:00:00.000Z',
      to: '2025-03-11T00:00:00.000Z',
    });
    assert.match(
      invalidMessage(() => parseInstantRange({ from: '2025-03-10T10:00:00' }, now)),
      /^from:/,
    );
  });

  it('bounds paging', () => {
    assert.deepEqual(parsePage({}), { limit: 100, offset: 0 });
    assert.match(
      invalidMessage(() => parsePage({ limit: '1001' })),
      /^limit:/,
    );
    assert.match(
      invalidMessage(() => parsePage({ offset: '1e3' })),
      /^offset:/,
    );
  });
});

describe('passwords', () => {
  it('hashes into a self-describing scrypt string and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery', { N: 1024 });
    assert.match(hash, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    assert.equal(await verifyPassword('correct horse battery', hash), true);
    assert.equal(await verifyPassword('correct horse batterY', hash), false);
    assert.notEqual(await hashPassword('correct horse battery', { N: 1024 }), hash, 'salted');
  });

  it('never matches a malformed or hostile stored hash', async () => {
    for (const stored of [
      '',
      'plain',
      'scrypt$1000$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
      `scrypt$${2 ** 30}$8$1$c2FsdA$aGFzaA`,
    ]) {
      assert.equal(await verifyPassword('anything at all', stored), false, stored);
    }
  });

  it('refuses passwords shorter than 10 characters', () => {
    assert.match(passwordProblem('123456789') ?? '', /at least 10/);
    assert.equal(passwordProblem('1234567890'), null);
  });
});

describe('API tokens', () => {
  it('are random, prefixed, and hashed with SHA-256', () => {
    const token = generateApiToken();
    assert.ok(isApiTokenShaped(token));
    assert.notEqual(generateApiToken(), token);
    assert.match(hashApiToken(token), /^[0-9a-f]{64}$/);
    assert.equal(isApiTokenShaped('rc_short'), false);
  });
});

describe('upload checks', () => {
  it('tells JPEG, PNG and WebP from their first bytes, and nothing else', () => {
    assert.equal(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
    assert.equal(
      sniffImageType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
      'image/png',
    );
    assert.equal(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ')), 'image/webp');
    assert.equal(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt ')), undefined);
    assert.equal(sniffImageType(new TextEncoder().encode('GIF89a')), undefined);
    assert.equal(sniffImageType(new Uint8Array(0)), undefined);
  });

  it('reduces uploaded names to a harmless base name', () => {
    assert.equal(safeFileName('../../etc/passwd.jpg', 0), 'passwd.jpg');
    assert.equal(safeFileName('C:\\Users\\me\\face.png', 0), 'face.png');
    assert.equal(safeFileName('..', 2), 'photo-3');
    assert.equal(safeFileName('dir/', 0), 'photo-1');
    assert.equal(safeFileName('a\u0000b\nc.jpg', 0), 'abc.jpg');
    assert.equal(Array.from(safeFileName('x'.repeat(500), 0)).length, 200);
  });
});

describe('HTML escaping', () => {
  it('escapes every interpolated value', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const name = '<img src=x onerror=alert(1)>';
    assert.equal(html`<p>${name}</p>`.text, '<p>&lt;img src=x onerror=alert(1)&gt;</p>');
    assert.equal(
      html`<ul>
        ${[html`<li>${'&'}</li>`]}
      </ul>`.text.replace(/\s+/g, ''),
      '<ul><li>&amp;</li></ul>',
    );
  });
});

describe('error answers', () => {
  it('maps codes to statuses and hides internal failures', () => {
    assert.deepEqual(toErrorResponse(new RollcallError(ErrorCode.ImageUnsupported, 'photos: no')), {
      status: 415,
      body: { code: 'IMAGE_UNSUPPORTED', message: 'photos: no' },
      internal: false,
    });
    assert.equal(toErrorResponse(new RollcallError(ErrorCode.StoreNotFound, 'gone')).status, 404);
    const internal = toErrorResponse(new Error('secret detail'));
    assert.equal(internal.status, 500);
    assert.equal(internal.internal, true);
    assert.doesNotMatch(internal.body.message, /secret/);
    const engine = toErrorResponse(new RollcallError(ErrorCode.StoreFailed, 'disk I/O error at /var/x'));
    assert.equal(engine.status, 500);
    assert.doesNotMatch(engine.body.message, /var/);
  });
});

describe('wall-clock times in a zone', () => {
  it('turns a local time on a day into the UTC instant, across daylight saving', () => {
    assert.equal(zonedInstant('2025-03-10', '09:00', 'UTC'), '2025-03-10T09:00:00.000Z');
    assert.equal(zonedInstant('2025-01-15', '09:00', 'Europe/Berlin'), '2025-01-15T08:00:00.000Z');
    assert.equal(zonedInstant('2025-07-15', '09:00', 'Europe/Berlin'), '2025-07-15T07:00:00.000Z');
    assert.equal(zonedInstant('2025-07-15', '23:30', 'America/New_York'), '2025-07-16T03:30:00.000Z');
    assert.equal(zonedInstant('2025-03-10', '08:15', 'Asia/Kolkata'), '2025-03-10T02:45:00.000Z');
    // The day clocks go forward (Berlin, 30 March 2025): 02:30 does not exist and becomes 03:30.
    assert.equal(zonedInstant('2025-03-30', '02:30', 'Europe/Berlin'), '2025-03-30T01:30:00.000Z');
    assert.equal(zonedInstant('2025-03-30', '12:00', 'Europe/Berlin'), '2025-03-30T10:00:00.000Z');
  });
});
