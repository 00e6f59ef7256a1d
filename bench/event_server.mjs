// A small, fast event server for the browser benchmark (bench/dialect_bench.py): Node's
// built-in `http` only, no dependency.
//
//     node bench/event_server.mjs --port P --dir D [--host 127.0.0.1]
//
// `GET` or `POST /stream/<name>` answers with the stream D/<name>.json: a JSON object
// `{"frames": [...], "headers": {...}}` rendered by the Python harness with the mock backend's
// own code (sse_client.testing.mock_script.build_frames). Each frame is written with its own
// `res.write()`, one event per write as real LLM servers do, as fast as the socket takes them:
// when `write()` returns false the server waits for 'drain' before the next frame. The frames
// are encoded to bytes once, when a stream is first asked for. The request body, if any, is
// read and dropped before the answer starts, as a real server reads the request first.
//
// Every response allows any origin (the bench page is on another one): `OPTIONS` preflights
// are answered with every method and whatever headers the page asks for (Authorization,
// Idempotency-Key, Last-Event-ID, ...). `GET /health` says it is up. Nothing is logged.

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0 || at + 1 >= process.argv.length) {
    if (fallback === undefined) {
      console.error(`usage: node event_server.mjs --port P --dir D [--host H] (missing --${name})`);
      process.exit(2);
    }
    return fallback;
  }
  return process.argv[at + 1];
}

const port = Number(option("port"));
const dir = option("dir");
const host = option("host", "127.0.0.1");

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "Retry-After, x-vercel-ai-ui-message-stream",
};
const streams = new Map(); // name -> Promise<{frames: Buffer[], headers}>

function load(name) {
  let stream = streams.get(name);
  if (!stream) {
    stream = readFile(join(dir, `${name}.json`), "utf8").then((text) => {
      const { frames, headers = {} } = JSON.parse(text);
      return { frames: frames.map((frame) => Buffer.from(frame, "utf8")), headers };
    });
    stream.catch(() => streams.delete(name)); // a missing file may be written later
    streams.set(name, stream);
  }
  return stream;
}

function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function serve(req, res, name) {
  for await (const _ of req); // the request body: read, and dropped
  let stream;
  try {
    stream = await load(name);
  } catch {
    res.writeHead(404, { ...CORS, "Content-Type": "text/plain" });
    res.end(`no stream ${name}\n`);
    return;
  }
  res.writeHead(200, {
    ...CORS,
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
    ...stream.headers,
  });
  res.flushHeaders();
  for (const frame of stream.frames) {
    if (res.destroyed) return; // the client let go (e.g. it stopped at the end event)
    if (!res.write(frame)) await drained(res);
  }
  res.end();
}

const server = createServer((req, res) => {
  const path = new URL(req.url, "http://localhost").pathname;
  if (req.method === "OPTIONS") {
    res.writeHead(204, {
      ...CORS,
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers": req.headers["access-control-request-headers"] || "*",
      "Access-Control-Max-Age": "600",
      "Vary": "Access-Control-Request-Headers",
    });
    res.end();
    return;
  }
  if (req.method === "GET" && path === "/health") {
    res.writeHead(200, { ...CORS, "Content-Type": "application/json" });
    res.end('{"ok": true}\n');
    return;
  }
  const match = /^\/stream\/([A-Za-z0-9_.-]+)$/.exec(path);
  if (match && (req.method === "GET" || req.method === "POST")) {
    serve(req, res, match[1]).catch((error) => {
      console.error(error);
      res.destroy();
    });
    return;
  }
  res.writeHead(404, { ...CORS, "Content-Type": "text/plain" });
  res.end("not found\n");
});
server.keepAliveTimeout = 60_000;
server.listen(port, host);
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
