/**
 * `npm run playground`: bundles the playground page (playground/main.ts, with the library's
 * sources) for the browser and serves it on 127.0.0.1 (PORT, default 8080). No network
 * needed; `startPlayground` is what the end-to-end test starts.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

/** A running playground: its URL, and `close()`. */
export interface Playground {
  url: string;
  close(): Promise<void>;
}

/** Bundles the page and serves it on 127.0.0.1:`port` (0 picks a free port). */
export async function startPlayground(port = 0): Promise<Playground> {
  const out = await build({
    entryPoints: [join(here, 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  const js = out.outputFiles[0]!.text;
  const html = readFileSync(join(here, 'index.html'), 'utf8');
  const server: Server = createServer((req, res) => {
    if (req.url === '/main.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const p = await startPlayground(Number(process.env.PORT ?? 8080));
  console.log(`Tessera playground at ${p.url} (Ctrl-C stops it)`);
}
