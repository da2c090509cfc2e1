/**
 * Protocol abuse at the PostgreSQL door (attack classes 10 and 11): malformed and oversized
 * frames, split messages, slow handshakes, GSSENCRequest, protocol versions and cancel keys,
 * FunctionCall, clients that vanish mid-query. None crashes the door or leaves an upstream
 * backend behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSql, errorsOf, names, RawClient, serialize, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

/** Seconds of work (pg_sleep itself is a refused function). */
const LONG = 'SELECT count(*) FROM generate_series(1, 300000000)';

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
};
const packet = (body: Buffer) => Buffer.concat([int32(body.length + 4), body]);
const startup = (version: number, params: Record<string, string>) =>
  packet(Buffer.concat([int32(version), ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)), Buffer.from([0])]));

/** Reads raw server messages (type, body) from a socket until `stop` says so. */
async function rawUntil(c: RawClient, stop: (ms: { type: string; body: Buffer }[]) => boolean, timeoutMs = 5000): Promise<{ type: string; body: Buffer }[]> {
  let buf = Buffer.alloc(0);
  const out: { type: string; body: Buffer }[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout; got ${out.map((m) => m.type).join('')}`)), timeoutMs);
    const onData = (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      while (buf.length >= 5 && buf.length >= 1 + buf.readInt32BE(1)) {
        const len = buf.readInt32BE(1);
        out.push({ type: String.fromCharCode(buf[0]!), body: buf.subarray(5, 1 + len) });
        buf = buf.subarray(1 + len);
      }
      if (stop(out)) {
        clearTimeout(t);
        c.socket.off('data', onData);
        resolve(out);
      }
    };
    c.socket.on('data', onData);
    c.socket.once('close', () => {
      clearTimeout(t);
      resolve(out);
    });
  });
}

describe('postgres door: protocol abuse', { timeout: 180_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;

  before(async () => {
    db = await testDatabase('proto');
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }], startup_timeout_ms: 400, max_message_bytes: 65536, self_signed_tls: false });
    key = w.key('alice', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  const login = async () => {
    const c = await RawClient.connect(w.pgPort);
    await c.login('alice', key, db.name);
    return c;
  };
  const backends = () => adminSql(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${db.reader}'`);
  const waitNoBackends = async () => {
    for (let i = 0; i < 50 && (await backends()) !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
    return backends();
  };

  test('a whole session sent one byte at a time works', async () => {
    const c = await RawClient.connect(w.pgPort);
    c.parseMessages();
    const bytes = Buffer.concat([serialize.startup({ user: 'alice', database: db.name })]);
    for (const b of bytes) c.write(Buffer.from([b]));
    await c.until((m) => m.name === 'authenticationCleartextPassword');
    for (const b of serialize.password(key)) c.write(Buffer.from([b]));
    await c.until((m) => m.name === 'readyForQuery');
    const q = Buffer.concat([serialize.parse({ name: 's1', text: 'SELECT owner FROM cards WHERE id = $1' }), serialize.bind({ statement: 's1', values: ['2'] }), serialize.execute(), serialize.sync()]);
    const from = c.messages.length;
    for (const b of q) c.write(Buffer.from([b]));
    await c.until((m) => m.name === 'readyForQuery', 10_000, from);
    const rows = c.messages.slice(from).filter((m) => m.name === 'dataRow') as unknown as { fields: string[] }[];
    assert.deepEqual(rows.map((r) => r.fields[0]), ['bob']);
    c.close();
  });

  test('negative, too small and oversized lengths end the session with FATAL 08P01; the upstream backend goes away', async () => {
    for (const bad of [Buffer.concat([Buffer.from('Q'), int32(-5)]), Buffer.concat([Buffer.from('Q'), int32(2)]), Buffer.concat([Buffer.from('Q'), int32(1 << 30)])]) {
      const c = await login();
      const from = c.messages.length;
      c.write(bad);
      const err = await c.until((m) => m.name === 'error', 5000, from);
      assert.equal((err as unknown as { code: string }).code, '08P01');
      assert.equal((err as unknown as { severity: string }).severity, 'FATAL');
      await c.until(() => c.closed, 5000).catch(() => undefined);
      assert.ok(c.closed);
    }
    assert.equal(await waitNoBackends(), '0');
  });

  test('an oversized or malformed startup packet is refused', async () => {
    const c = await RawClient.connect(w.pgPort);
    c.write(Buffer.concat([int32(1 << 24), int32(196608)]));
    const out = await rawUntil(c, (ms) => ms.length > 0);
    assert.equal(out[0]?.type, 'E');
    assert.match(out[0]!.body.toString(), /exceeds the limit/);
    const d = await RawClient.connect(w.pgPort);
    d.write(packet(Buffer.concat([int32(196608), Buffer.from('user\0alice')]))); // no terminating NULs
    const out2 = await rawUntil(d, (ms) => ms.length > 0);
    assert.match(out2[0]!.body.toString(), /08P01[\s\S]*without its terminating NUL/);
  });

  test('a slow handshake is cut at startup_timeout_ms', async () => {
    const c = await RawClient.connect(w.pgPort);
    const t0 = Date.now();
    c.write(Buffer.from([0, 0])); // half a length, then nothing
    const out = await rawUntil(c, (ms) => ms.length > 0, 5000);
    assert.match(out[0]!.body.toString(), /startup not completed within 400 ms/);
    assert.ok(Date.now() - t0 < 3000);
  });

  test('GSSENCRequest is answered N, then a normal startup works; a repeated one is refused', async () => {
    const c = await RawClient.connect(w.pgPort);
    c.write(packet(int32(80877104)));
    assert.equal(await c.oneByte(), 'N');
    await c.login('alice', key, db.name);
    assert.ok(c.messages.some((m) => m.name === 'readyForQuery'));
    c.close();
    const d = await RawClient.connect(w.pgPort);
    d.write(packet(int32(80877104)));
    assert.equal(await d.oneByte(), 'N');
    d.write(packet(int32(80877104)));
    const out = await rawUntil(d, (ms) => ms.length > 0);
    assert.match(out[0]!.body.toString(), /GSSENCRequest repeated/);
  });

  test('SSLRequest without a certificate is answered N; the startup then continues in clear on loopback', async () => {
    const c = await RawClient.connect(w.pgPort);
    c.write(packet(int32(80877103)));
    assert.equal(await c.oneByte(), 'N');
    await c.login('alice', key, db.name);
    assert.ok(c.messages.some((m) => m.name === 'readyForQuery'));
    c.close();
  });

  test('protocol 3.0 gets a 4-byte cancel key, 3.2 a 32-byte one; a newer minor gets NegotiateProtocolVersion', async () => {
    for (const [version, keyLen, negotiate] of [[196608, 4, false], [196610, 32, false], [196613, 32, true]] as const) {
      const c = await RawClient.connect(w.pgPort);
      c.write(startup(version, { user: 'alice', database: db.name, ...(negotiate ? { '_pq_.unknown_option': 'on' } : {}) }));
      const first = await rawUntil(c, (ms) => ms.some((m) => m.type === 'R'));
      const v = first.find((m) => m.type === 'v');
      if (negotiate) {
        assert.ok(v, 'NegotiateProtocolVersion expected');
        assert.equal(v.body.readInt32BE(0), (3 << 16) | 2);
      }
      c.write(serialize.password(key));
      const rest = await rawUntil(c, (ms) => ms.some((m) => m.type === 'Z'));
      const k = rest.find((m) => m.type === 'K');
      assert.ok(k, 'BackendKeyData expected');
      assert.equal(k.body.length - 4, keyLen, `version ${version}`);
      c.close();
    }
  });

  test('a cancel with the right key stops the query; guessed keys do nothing', async () => {
    const c = await login();
    const k = c.messages.find((m) => m.name === 'backendKeyData') as unknown as { processID: number; secretKey: number };
    const from = c.messages.length;
    c.write(serialize.query(LONG));
    await new Promise((r) => setTimeout(r, 300));
    for (const guess of [k.secretKey ^ 1, k.secretKey + 7]) {
      const g = await RawClient.connect(w.pgPort);
      g.write(serialize.cancel(k.processID, guess));
      await new Promise((r) => setTimeout(r, 100));
      g.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(errorsOf(c.messages.slice(from)), [], 'guessed keys cancelled the query');
    const g = await RawClient.connect(w.pgPort);
    g.write(serialize.cancel(k.processID, k.secretKey));
    const err = await c.until((m) => m.name === 'error', 5000, from);
    assert.equal((err as unknown as { code: string }).code, '57014');
    await c.until((m) => m.name === 'readyForQuery', 5000, from);
    c.close();
    g.close();
  });

  test('a FunctionCall message is refused with 42501 and the session stays usable', async () => {
    const c = await login();
    // 'F': function oid 1 (nonexistent), no args, text result.
    const body = Buffer.concat([int32(1), Buffer.from([0, 0, 0, 0, 0, 0])]);
    const ms = await c.roundTrip(Buffer.concat([Buffer.from('F'), int32(body.length + 4), body]));
    assert.deepEqual(errorsOf(ms).map((e) => e.code), ['42501']);
    assert.match(errorsOf(ms)[0]!.message, /FunctionCall/);
    const again = await c.roundTrip(serialize.query('SELECT 41 + 1'));
    assert.deepEqual((again.find((m) => m.name === 'dataRow') as unknown as { fields: string[] }).fields, ['42']);
    c.close();
  });

  test('an unknown message type ends the session with FATAL', async () => {
    const c = await login();
    const from = c.messages.length;
    c.write(Buffer.concat([Buffer.from('Z'), int32(4)]));
    const err = await c.until((m) => m.name === 'error', 5000, from);
    assert.match((err as unknown as { message: string }).message, /unknown message type 'Z'/);
  });

  test('a client that vanishes mid-query leaves no query running upstream', async () => {
    const c = await login();
    c.write(serialize.query(LONG));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await adminSql(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${db.reader}' AND state = 'active' AND query = '${LONG}'`), '1');
    c.close();
    assert.equal(await waitNoBackends(), '0');
  });

  test('the door still serves after all of the above', async () => {
    const c = await login();
    const ms = await c.roundTrip(serialize.query('SELECT count(*) FROM items'));
    assert.deepEqual(names(ms), ['rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
    c.close();
  });
});
