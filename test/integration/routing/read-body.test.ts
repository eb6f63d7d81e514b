import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../../src/routing/service/http/read-body';

// Raw sockets, so that the test decides how a body is cut into packets.
describe('request body reading', function () {
  this.timeout(20_000);
  let server: http.Server;
  let port: number;
  const LIMIT = 1_000;

  before(async () => {
    server = http.createServer((req, res) => {
      readBody(req, LIMIT, (error, bytes) => {
        const text =
          error === null ? `ok ${bytes!.length} ${bytes!.toString('utf8')}` : `error ${error.message}`;
        res.writeHead(error === null ? 200 : 413, {
          'content-length': Buffer.byteLength(text),
          connection: 'close',
        });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Sends the parts with a pause between them and returns the response body.
  function exchange(parts: string[], pauseMs = 30): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let response = '';
      socket.on('data', (chunk) => (response += chunk.toString('utf8')));
      socket.on('end', () => resolve(response.slice(response.indexOf('\r\n\r\n') + 4)));
      socket.on('error', reject);
      let i = 0;
      const next = (): void => {
        if (i >= parts.length) return;
        socket.write(parts[i++]!);
        setTimeout(next, pauseMs);
      };
      socket.on('connect', next);
    });
  }

  const head = (extra: string): string =>
    `POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}\r\n`;

  it('reads a body that came with its headers', async () => {
    assert.equal(await exchange([`${head('Content-Length: 11\r\n')}{"a":"bcd"}`]), 'ok 11 {"a":"bcd"}');
  });

  it('reads a body that arrives after its headers, and one cut into several packets', async () => {
    assert.equal(await exchange([head('Content-Length: 11\r\n'), '{"a":"bcd"}']), 'ok 11 {"a":"bcd"}');
    assert.equal(
      await exchange([head('Content-Length: 11\r\n'), '{"a"', ':"b', 'cd"}']),
      'ok 11 {"a":"bcd"}',
    );
    const chunked = head('Transfer-Encoding: chunked\r\n');
    assert.equal(
      await exchange([`${chunked}4\r\n{"a"\r\n`, '7\r\n:"bcd"}\r\n0\r\n\r\n']),
      'ok 11 {"a":"bcd"}',
    );
    // Several chunks in one packet: read at once, concatenated.
    assert.equal(await exchange([`${chunked}4\r\n{"a"\r\n7\r\n:"bcd"}\r\n0\r\n\r\n`]), 'ok 11 {"a":"bcd"}');
  });

  it('reads an empty body', async () => {
    assert.equal(await exchange([head('Content-Length: 0\r\n')]), 'ok 0 ');
  });

  it('refuses a body over the limit, announced, in one packet or streamed', async () => {
    const big = 'x'.repeat(LIMIT + 1);
    assert.match(
      await exchange([`${head(`Content-Length: ${big.length}\r\n`)}${big}`]),
      /^error request body exceeds 1000 bytes/,
    );
    const chunked = head('Transfer-Encoding: chunked\r\n');
    const size = big.length.toString(16);
    assert.match(await exchange([`${chunked}${size}\r\n${big}\r\n0\r\n\r\n`]), /^error request body exceeds/);
    assert.match(
      await exchange([chunked, `258\r\n${'y'.repeat(600)}\r\n`, `258\r\n${'y'.repeat(600)}\r\n`]),
      /^error request body exceeds/,
    );
  });
});
