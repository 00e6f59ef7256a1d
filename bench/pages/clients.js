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
 * "[DONE]" event, as (a) does. Times are performance.now() (ms since navigation start); an
 * arrival is performance.timeOrigin + performance.now(), the wall clock the server's
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

/** (b) fetch -> TextDecoderStream -> EventSourceParserStream, as web developers write it today. */
async function jsPipeline(url, { latencies = false } = {}) {
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
    if (value.data === "[DONE]") {
      reader.cancel(); // as (a) does: stop reading and let the connection go
      break;
    }
    const chunk = JSON.parse(value.data);
    const content = chunk.choices[0].delta.content;
    if (content) {
      text += content;
      events++;
      last = performance.now();
      if (lags) lags.push(performance.timeOrigin + last - chunk.server_ms);
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
        if (lags) lags.push(performance.timeOrigin + last - chunk.server_ms);
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
 * `latencies`, the floor of the latency too: each `server_ms` found in the bytes of a read,
 * against the time that read arrived.
 */
async function fetchOnly(url, { latencies = false } = {}) {
  let bytes = 0, reads = 0;
  const lags = latencies ? [] : null;
  const decoder = latencies ? new TextDecoder() : null;
  const stamp = /"server_ms": ([0-9.]+),/g;
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
  ours, jsPipeline, eventSource, fetchOnly, fetchIntoPyodide, loadPythonModule, python,
  pyodideMemory, memoryChat, manyChats, messageChannelHop,
  setExpected(text) { expected = text; },
};
window.benchLoaded = true;
