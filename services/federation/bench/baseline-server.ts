// The benchmark's floor: plain node:http and a mysql2 pool running the same
// SELECT the federation server runs, with no framework around it.
import http from 'node:http';
import mysql from 'mysql2/promise';
import { SAMPLE_QUERIES } from '../src/sample/sample-data.js';

const [databaseUrl = '', portArg = '0'] = process.argv.slice(2);
const pool = mysql.createPool({ uri: databaseUrl, connectionLimit: 10 });

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const [name, domain] = (url.searchParams.get('q') ?? '').split('*');
  const [rows] = await pool.query(SAMPLE_QUERIES.federation, [name, domain]);
  const row = (rows as Record<string, unknown>[])[0];
  res.writeHead(row ? 200 : 404, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
  res.end(
    JSON.stringify(row ? { account_id: row.id, memo_type: row.memo_type, memo: String(row.memo) } : {}),
  );
});
server.listen(Number(portArg), '127.0.0.1', () => {
  process.stdout.write(`listening on ${(server.address() as { port: number }).port}\n`);
});
