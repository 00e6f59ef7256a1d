/*
 * The clients page of bench/browser_bench.py: one page, one stream content, four consumers.
 *
 *   (a) ours        SSEClient.chatWithModelStream (POST), the text through onChunk
 *   (b) jsPipeline  fetch (POST) -> TextDecoderStream -> EventSourceParserStream (eventsource-parser)
 *   (c) eventSource the browser's native EventSource (GET)
 *   (d) fetchOnly   fetch (POST) and read the body's bytes, no parsing: the ceiling of server + network
 *
 * (b) and (c) do the consumer work (a) does inside Python: JSON.parse each event's data, take
 * choices[0].delta.content and append it to a string. Every client stops at the OpenAI
 * "[DONE]" event, as (a) does. (b) reads the other dialects of the mock backend too, each with
 * the few lines a JS user would write for it (DIALECTS below); `replay` serves any body from
 * memory, one event per read, to all of them. Times are performance.now() (ms since navigation
 * start); an arrival is performance.timeOrigin + performance.now(), the wall clock the server's
 * `server_ms` stamps are on (same machine).
 */
import { EventSourceParserStream } from "/vendor/eventsource-parser/stream.js";

const REQUEST = { model: "bench", messages: [{ role: "user", content: "Benchmark, please." }] };
let expected = ""; // the reply the current stream must end in

/** (a) SSEClient.chatWithModelStream. Text that arrives in one piece of the body comes in one
 * onChunk call, so calls are not events: `ok` checks the text, and `arrivals` records for each
 * call its wall-clock time and the length of the text so far, which the harness maps back to
 * the events the call carried. */
async function ours(endpoint, { arrivals = false } = {}) {
  SSEClient.configure({ endpoint });
  const times = arrivals ? [] : null;
  let callbacks = 0, text = "", last = 0;
  const start = performance.now();
  const reply = await SSEClient.chatWithModelStream(REQUEST, (chunk) => {
    text += chunk;
    callbacks++;
    last = performance.now();
    if (times) times.push([performance.timeOrigin + last, text.length]);
  });
  return { ms: last - start, callbacks, ok: text === expected && reply === expected,
           arrivals: times };
}

/**
 * How a JS user reads each dialect of the mock backend: one function per dialect, from an
 * event's name and data to `{text, end, stamp}` (text to append, whether this event ends the
 * reply, the stamp if the latency run wants one). JSON.parse and the field access the
 * provider's docs show, nothing more. Dialects with no end event (legacy, raw) end at the close
 * of the stream; so does LangServe, whose `end` event has no data line and so, by the spec, is
 * never dispatched (eventsource-parser drops it as the browser does).
 */
/** The server's write time a stamped event carries: `server_ms`, or with `stamp_as=obfuscation`
 * OpenAI's padding string (see the mock backend's `stamp_as`). */
function stampOf(chunk) {
  return chunk.server_ms ?? (chunk.obfuscation === undefined ? undefined : Number(chunk.obfuscation));
}

const NOTHING = {};
const END = { end: true };
const DIALECTS = {
  // Exactly the work (b) did before it read other dialects, so its numbers stay comparable.
  openai(event, data) {
    if (data === "[DONE]") return END;
    const chunk = JSON.parse(data);
    return { text: chunk.choices[0].delta.content, stamp: stampOf(chunk) };
  },
  standard(event, data) {
    const message = JSON.parse(data);
    if (message.type === "chunk") return { text: message.data.content };
    return message.type === "complete" ? END : NOTHING;
  },
  legacy(event, data) {
    const message = JSON.parse(data);
    return message.type === "status" ? NOTHING : { text: message.chunk };
  },
  raw(event, data) {
    return { text: data };
  },
  responses(event, data) {
    if (event === "response.output_text.delta") return { text: JSON.parse(data).delta };
    return event === "response.completed" ? END : NOTHING;
  },
  anthropic(event, data) {
    if (event === "message_stop") return END;
    if (event !== "content_block_delta") return NOTHING;
    const delta = JSON.parse(data).delta;
    return delta.type === "text_delta" ? { text: delta.text } : NOTHING;
  },
  gemini(event, data) {
    const candidate = JSON.parse(data).candidates[0];
    let text = "";
    for (const part of candidate.content.parts) if (part.text) text += part.text;
    return { text, end: candidate.finishReason !== undefined };
  },
  vercel(event, data) {
    if (data === "[DONE]") return END;
    const part = JSON.parse(data);
    return part.type === "text-delta" ? { text: part.delta } : NOTHING;
  },
  tgi(event, data) {
    const frame = JSON.parse(data);
    const text = frame.token.special ? "" : frame.token.text;
    return { text, end: frame.generated_text !== null };
  },
  llamacpp(event, data) {
    const frame = JSON.parse(data);
    return { text: frame.content, end: frame.stop };
  },
  langserve(event, data) {
    return event === "data" ? { text: JSON.parse(data) } : event === "end" ? END : NOTHING;
  },
};

/** (b) fetch -> TextDecoderStream -> EventSourceParserStream, as web developers write it today,
 * reading `dialect` (one of DIALECTS). `events` counts the events that brought text. */
async function jsPipeline(url, { latencies = false, dialect = "openai" } = {}) {
  const read = DIALECTS[dialect];
  if (!read) throw new Error(`no JS reader for dialect ${dialect}`);
  const lags = latencies ? [] : null;
  let events = 0, text = "", last = 0;
  const start = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify({ ...REQUEST, stream: true }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const { text: content, end, stamp } = read(value.event, value.data);
    if (content) {
      text += content;
      events++;
      last = performance.now();
      if (lags) lags.push(performance.timeOrigin + last - stamp);
    }
    if (end) {
      reader.cancel(); // as (a) does: stop reading and let the connection go
      break;
    }
  }
  return { ms: last - start, events, ok: text === expected, latencies: lags };
}

/** (c) the browser's EventSource (GET), closed at [DONE] so that it does not reconnect. */
function eventSource(url, { latencies = false } = {}) {
  return new Promise((resolve, reject) => {
    const lags = latencies ? [] : null;
    let events = 0, text = "", last = 0;
    const start = performance.now();
    const source = new EventSource(url);
    source.onmessage = (message) => {
      if (message.data === "[DONE]") {
        source.close();
        resolve({ ms: last - start, events, ok: text === expected, latencies: lags });
        return;
      }
      const chunk = JSON.parse(message.data);
      const content = chunk.choices[0].delta.content;
      if (content) {
        text += content;
        events++;
        last = performance.now();
        if (lags) lags.push(performance.timeOrigin + last - stampOf(chunk));
      }
    };
    source.onerror = () => {
      source.close();
      reject(new Error(`EventSource failed after ${events} events`));
    };
  });
}

/**
 * (d) the body's bytes only: what server and network deliver with no client work at all. With
 * `latencies`, the floor of the latency too: each stamp found in the bytes of a read,
 * against the time that read arrived.
 */
async function fetchOnly(url, { latencies = false } = {}) {
  let bytes = 0, reads = 0;
  const lags = latencies ? [] : null;
  const decoder = latencies ? new TextDecoder() : null;
  const stamp = /"(?:server_ms": |obfuscation": ")([0-9.]+)/g;
  let pending = "";
  const start = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify({ ...REQUEST, stream: true }),
  });
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    reads++;
    if (lags) {
      const arrival = performance.timeOrigin + performance.now();
      pending += decoder.decode(value, { stream: true });
      let match, end = 0;
      stamp.lastIndex = 0;
      while ((match = stamp.exec(pending)) !== null) {
        lags.push(arrival - Number(match[1]));
        end = stamp.lastIndex;
      }
      pending = pending.slice(end);
    }
  }
  return { ms: performance.now() - start, bytes, reads, latencies: lags };
}

/**
 * Bodies replayed from memory, one event per read, instead of the network: `loadReplay(name,
 * url)` fetches `url`'s body once and cuts it after every blank line (an event's end; never
 * inside a UTF-8 sequence); `replay(name)` makes `fetch` answer every request with a stream of
 * those pieces, pulled one per `read()`, and `replay(null)` puts the real `fetch` back. Both (a)
 * and (b) look `fetch` up when they call it, so both read the same pieces, with no server
 * sharing the machine and no batching by the network: the clients' own cost per event.
 */
const realFetch = globalThis.fetch;
const replayBodies = new Map();

async function loadReplay(name, url) {
  const response = await realFetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify({ ...REQUEST, stream: true }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  const encoder = new TextEncoder();
  const pieces = (await response.text()).split(/(?<=\r\n\r\n|\n\n)/)
    .map((piece) => encoder.encode(piece));
  replayBodies.set(name, pieces);
  return pieces.length;
}

function replay(name) {
  if (name === null) {
    globalThis.fetch = realFetch;
    return;
  }
  const pieces = replayBodies.get(name);
  globalThis.fetch = async () => {
    let next = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (next < pieces.length) controller.enqueue(pieces[next++]);
        else controller.close();
      },
    }, { highWaterMark: 0 });
    return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
  };
}

/** Write a file (e.g. a corpus fetched from `url`) into Pyodide's file system. */
async function fetchIntoPyodide(url, path) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  SSEClient.pyodide.FS.writeFile(path, bytes);
  return bytes.length;
}

/** Put a Python file of bench/pages into Pyodide's working directory (on sys.path) as `name`. */
async function loadPythonModule(name, url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  SSEClient.pyodide.FS.writeFile(`${SSEClient.pyodide.FS.cwd()}/${name}.py`, await response.text());
}

/** Pyodide's whole standard library (its python_stdlib.zip at `url`) for the harness's own Python
 * in the page (cProfile, tracemalloc, importlib.invalidate_caches ...): the bundle ships only the
 * modules sse_client imports, some packages in part. The zip goes first on sys.path, and each
 * package already imported from the bundle looks for its missing submodules there too (the same
 * Pyodide, so the same Python). The harness adds it after the measured streaming runs; what is
 * already imported (sse_client and what it uses) stays as the bundle loaded it. */
async function addStdlib(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  SSEClient.pyodide.FS.writeFile(STDLIB_ZIP, new Uint8Array(await response.arrayBuffer()));
  SSEClient.pyodide.runPython(ADD_STDLIB);
}

const STDLIB_ZIP = "/lib/bench-stdlib.zip";
const ADD_STDLIB = `
import sys
if ${JSON.stringify(STDLIB_ZIP)} not in sys.path:
    sys.path.insert(0, ${JSON.stringify(STDLIB_ZIP)})
    for name, module in list(sys.modules.items()):
        if isinstance(getattr(module, "__path__", None), list) and not name.startswith("sse_client"):
            module.__path__.append(${JSON.stringify(STDLIB_ZIP)} + "/" + name.replace(".", "/"))
import importlib
importlib.invalidate_caches()
`;

/** µs per hop of a bare MessageChannel ping-pong: the browser's own cost of a task hop. */
async function messageChannelHop(count) {
  const channel = new MessageChannel();
  let left = count;
  const start = performance.now();
  await new Promise((resolve) => {
    channel.port1.onmessage = () => { if (--left > 0) channel.port2.postMessage(0); else resolve(); };
    channel.port2.postMessage(0);
  });
  channel.port1.close();
  return (performance.now() - start) / count * 1000;
}

/** Run Python that ends in a JSON string; a str result reaches JS as a plain string, no proxy. */
async function python(code) {
  return JSON.parse(await SSEClient.pyodide.runPythonAsync(code));
}

/** Pyodide's memory: the WASM heap's size, Python's own counts, and PyProxies alive. */
async function pyodideMemory() {
  const runtime = SSEClient.pyodide._module;
  const python_ = await python(`
def bench_memory():
    # Inside a function: runPythonAsync runs in the globals, and a global list of gc objects
    # would keep the last snapshot's objects alive into the next one.
    import asyncio, gc, json, sys, tracemalloc
    gc.collect()
    traced = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (None, None)
    objects = gc.get_objects()
    # Cancelled asyncio timers whose JS setTimeout has not fired yet: Pyodide's WebLoop cannot
    # clear a timer, so each holds its Handle (and closure) until the original deadline passes.
    timers = sum(1 for o in objects if isinstance(o, asyncio.Handle) and o.cancelled())
    count = len(objects)
    del objects
    return json.dumps({"blocks": sys.getallocatedblocks(), "traced": traced[0],
                       "tracedPeak": traced[1], "gcObjects": count, "cancelledTimers": timers})
bench_memory()
`);
  return { wasmBytes: runtime.HEAP8.length, proxies: runtime.pyproxy_alloc_map ? runtime.pyproxy_alloc_map.size : null,
           ...python_ };
}

/** One chat for the memory run: counts only, nothing of the reply is kept. */
async function memoryChat(endpoint, expectedLength) {
  SSEClient.configure({ endpoint });
  let callbacks = 0, length = 0;
  const reply = await SSEClient.chatWithModelStream(REQUEST, (chunk) => { callbacks++; length += chunk.length; });
  return { callbacks, ok: reply.length === expectedLength && length === expectedLength };
}

/** `count` chats in a row; every one must end in the expected reply. */
async function manyChats(endpoint, count, expectedLength) {
  let good = 0;
  for (let i = 0; i < count; i++) {
    const result = await memoryChat(endpoint, expectedLength);
    if (result.ok) good++;
  }
  return { chats: count, good, ok: good === count };
}

window.bench = {
  ours, jsPipeline, eventSource, fetchOnly, fetchIntoPyodide, loadPythonModule, addStdlib, python,
  pyodideMemory, memoryChat, manyChats, messageChannelHop, loadReplay, replay,
  setExpected(text) { expected = text; },
};
window.benchLoaded = true;
