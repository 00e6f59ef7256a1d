/*
 * sse-client.js: the script-tag loader of sse_client.
 *
 *   <script src="/any/path/dist/sse-client.js"></script>
 *   await SSEClient.ready;
 *   SSEClient.configure({ endpoint: "/api/chat" });
 *   const text = await SSEClient.chatWithModelStream(req, onChunk, onStatus, { signal });
 *
 * or, the same code as an ES module (build.py writes dist/sse-client.mjs from this file: a
 * prologue that sets SSE_CLIENT_MODULE_URL to import.meta.url, this file, then the exports):
 *
 *   import { ready, configure, chatWithModelStream } from "/any/path/dist/sse-client.mjs";
 *
 * It only boots Pyodide from the precompiled runtime (or its memory snapshot) and publishes the
 * API: the streaming logic is Python (sse_client). Everything is found relative to this script's
 * own URL, so the bundle works from any path or origin, and nothing comes from a CDN. It assumes
 * no `document` or `window` but for the script tag itself: the module runs in a Web Worker too.
 */
(function () {
  "use strict";

  // build.py replaces this with what it built: {version, build, runtime, app, snapshot, lock, sizes}.
  // `version` is the package's (pyproject.toml); `build` a hash of everything the page loads
  // (this loader included), so a rebuilt bundle is never stale.
  var BUILD = "__SSE_CLIENT_BUILD__";

  // The worker that `data-boot="worker"` starts loads this same file, and tells it so.
  var workerHost = globalThis.__SSE_CLIENT_WORKER_HOST__ || null;
  // The module entry's own URL (import.meta.url), from its prologue; null for the script tag.
  /* global SSE_CLIENT_MODULE_URL */
  var moduleURL = typeof SSE_CLIENT_MODULE_URL === "string" ? SSE_CLIENT_MODULE_URL : null;
  // One Python per page (or worker): a second copy of the same build, by tag or by import, is
  // the first one's API. (A copy of another build boots its own, and is SSEClient from then on.)
  var existing = globalThis.SSEClient;
  if (!workerHost && existing && existing.build === BUILD.build) return;
  var script = typeof document !== "undefined" ? document.currentScript : null;
  if (!workerHost && !moduleURL && (!script || !script.src)) {
    throw new Error("sse-client.js must be loaded with a <script src=...> tag (or imported as dist/sse-client.mjs)");
  }
  var loaderURL = workerHost ? workerHost.loaderURL : moduleURL || script.src;
  var base = new URL(".", loaderURL);

  /** The URL relative URLs are resolved against: the page's base URL, or in a Web Worker (a
   * user's own, importing the module) the worker's location. */
  function baseURL() {
    return typeof document !== "undefined" ? document.baseURI : globalThis.location.href;
  }
  var runtimeURL = new URL(BUILD.runtime, base).href;
  var appURL = new URL(BUILD.app, base).href;

  /** The error every failed call rejects with: `type` is a StreamErrorType name. */
  class SSEClientError extends Error {
    constructor(info) {
      super(info.message || "sse_client error", info.cause ? { cause: info.cause } : undefined);
      this.name = "SSEClientError";
      this.type = info.type;
      this.retryable = Boolean(info.retryable);
      this.status = info.status == null ? null : info.status;
      this.attempt = info.attempt == null ? null : info.attempt;
      this.retryAfter = info.retryAfter == null ? null : info.retryAfter; // seconds a server asked for
      // For MAX_RETRIES_EXCEEDED: each failed attempt (and the fallback), in order.
      this.causes = (info.causes || []).map(function (cause) { return new SSEClientError(cause); });
    }
  }

  function loadScript(url) {
    if (typeof document === "undefined") {
      // The worker of data-boot="worker" is a module worker (Pyodide refuses classic ones), which
      // has no importScripts: pyodide.js sets globalThis.loadPyodide when imported as a module too.
      return import(url);
    }
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = url;
      tag.onload = resolve;
      tag.onerror = function () {
        reject(new SSEClientError({ type: "NETWORK", message: "Could not load " + url }));
      };
      document.head.appendChild(tag);
    });
  }

  // ---- Progress: onProgress(cb) hears each phase of the boot, and the bytes of the downloads.
  var progressListeners = [];
  var lastProgress = null;
  var bootStarted = Date.now();

  function reportProgress(phase, loaded, total) {
    lastProgress = { phase: phase, loaded: loaded, total: total, elapsedMs: Date.now() - bootStarted };
    progressListeners.slice().forEach(function (listener) {
      try { listener(lastProgress); } catch (ignored) { /* a listener's own problem */ }
    });
  }

  /** Call `listener({phase, loaded, total, elapsedMs})` as the boot goes on: phase "download"
   * (loaded/total: bytes of the runtime fetched so far), "start" (Python starting), "package"
   * (importing sse_client), then "ready" or "failed". A late listener hears the latest at once.
   * Returns a function that unsubscribes. */
  function onProgress(listener) {
    if (typeof listener !== "function") throw clientError("onProgress() takes a function: onProgress(p => ...).");
    progressListeners.push(listener);
    if (lastProgress) {
      try { listener(lastProgress); } catch (ignored) { /* a listener's own problem */ }
    }
    return function unsubscribe() {
      var at = progressListeners.indexOf(listener);
      if (at >= 0) progressListeners.splice(at, 1);
    };
  }

  /** While Pyodide downloads the runtime, count the bytes of its big files as they arrive.
   * Pyodide calls the global fetch itself; the wrapper reads a clone of each response and hands
   * Pyodide the original, untouched (a Response rebuilt from a stream would lose the URL that
   * the browser's cache of compiled WebAssembly is keyed on). Returns the undo. */
  function countDownloads(sizes) {
    var loaded = {};
    var total = 0;
    Object.keys(sizes).forEach(function (url) { loaded[url] = 0; total += sizes[url]; });
    var original = globalThis.fetch;
    function sum() { return Object.keys(loaded).reduce(function (n, url) { return n + loaded[url]; }, 0); }
    function counting(input, init) {
      var url = typeof input === "string" ? input : input instanceof URL ? input.href : input && input.url;
      var response = original.apply(this, arguments);
      if (!Object.prototype.hasOwnProperty.call(loaded, url)) return response;
      return Promise.resolve(response).then(function (answer) {
        if (answer.ok && answer.body) {
          var reader = answer.clone().body.getReader();
          (function pump() {
            reader.read().then(function (step) {
              if (step.done) return;
              loaded[url] += step.value.byteLength;
              var done = Math.min(sum(), total);
              reportProgress("download", done, total);
              if (done === total) reportProgress("start", null, null); // Python starts now
              pump();
            }, function () { /* the original's reader reports the failure */ });
          })();
        }
        return answer;
      });
    }
    globalThis.fetch = counting;
    reportProgress("download", 0, total);
    return function restore() {
      if (globalThis.fetch === counting) globalThis.fetch = original;
    };
  }

  var bridge = null; // {configure, startChat, ...}: the Python entry points, once booted
  var pendingOptions = []; // configure() calls made before ready
  var snapshotError = null; // why the snapshot could not be used, if it could not
  var fromSnapshot = false;

  async function startPython() {
    var sizes = {};
    sizes[runtimeURL + "pyodide.asm.wasm"] = BUILD.sizes["pyodide.asm.wasm"];
    sizes[appURL + "runtime.zip"] = BUILD.sizes["runtime.zip"];
    if (BUILD.snapshot) sizes[appURL + "snapshot.bin"] = BUILD.sizes["snapshot.bin"];
    var restoreFetch = countDownloads(sizes);
    try {
      if (typeof globalThis.loadPyodide !== "function") {
        await loadScript(runtimeURL + "pyodide.js");
      }
      // The runtime zip holds every module the package needs, precompiled; with an empty lock
      // file Pyodide fetches neither its package list nor the whole standard library.
      var options = { indexURL: runtimeURL, stdLibURL: appURL + "runtime.zip", lockFileContents: BUILD.lock,
                      packageBaseUrl: runtimeURL };
      if (BUILD.snapshot) {
        try {
          var snapshot = fetch(appURL + "snapshot.bin").then(function (response) {
            if (!response.ok) throw new Error("HTTP " + response.status + " for snapshot.bin");
            return response.arrayBuffer();
          });
          var restored = await globalThis.loadPyodide(Object.assign({ _loadSnapshot: snapshot }, options));
          // A snapshot freezes Python's random state: without a new seed, every page would
          // draw the same retry jitter (and so reconnect in step with every other page).
          restored.runPython("import random; random.seed()");
          fromSnapshot = true;
          return restored;
        } catch (error) {
          // Made for another Pyodide build, or not there: the normal boot is only slower.
          snapshotError = error;
        }
      }
      return await globalThis.loadPyodide(options);
    } finally {
      restoreFetch();
    }
  }

  async function boot() {
    var pyodide = await startPython();
    reportProgress("package", null, null);
    // The module proxy lives as long as the page: its attribute proxies are borrowed from it.
    var module = pyodide.pyimport("sse_client.bridge");
    bridge = { configure: module.configure, startChat: module.start_chat, startStream: module.start_stream,
               requestHeaders: module.request_headers, pageEvent: module.page_event };
    // In "host" mode the page relays its lifecycle (the "page" message); here, this thread's own.
    if (!workerHost) watchPageLifecycle(function (event) { bridge.pageEvent(event); });
    api.pyodide = pyodide; // the runtime, for callers who want Python too
    api.snapshotError = snapshotError;
    api.fromSnapshot = fromSnapshot;
    // Options given before Python was there are checked now. A mistake among them does not
    // fail the boot: chats reject with it until a later configure() call succeeds.
    pendingOptions.splice(0).forEach(function (options) {
      try { applyOptions(options); } catch (error) { configError = error; }
    });
  }

  var configError = null; // the error of the last configure() made before ready, if it failed

  /** The page's lifecycle, for Python (bridge.page_event, see sse_client/connectivity.py): the
   * network going "offline" and coming back "online", the page being frozen ("freeze") and
   * resumed ("resume", Chromium's Page Lifecycle). A stream dead after either is resumed at
   * once with Last-Event-ID, not at its idle deadline. Visibility changes are not sent: a hidden
   * tab's stream just goes on. In a Web Worker (a user's own) `self` has online/offline, and no
   * document. `send(event)` must not throw. */
  function watchPageLifecycle(send) {
    function listen(target, name) {
      if (target && typeof target.addEventListener === "function") {
        target.addEventListener(name, function () { send(name); });
      }
    }
    listen(globalThis, "offline");
    listen(globalThis, "online");
    if (typeof document !== "undefined") {
      listen(document, "freeze");
      listen(document, "resume");
    }
    if (typeof navigator !== "undefined" && navigator.onLine === false) send("offline");
  }

  function applyOptions(options) {
    var result = bridge.configure(withErrorsFromGetToken(options));
    if (!result.ok) throw new SSEClientError(result.error);
    configError = null;
  }

  /** The options with getToken wrapped so that it always returns a promise that rejects, if
   * it does, with an Error: Python can await a rejection only when its reason is an Error
   * (anything else, `reject("no")` or `throw 5`, broke the await in Pyodide itself). */
  function withErrorsFromGetToken(options) {
    if (!isPlainObject(options) || typeof options.getToken !== "function") return options;
    var provider = options.getToken;
    return Object.assign({}, options, {
      getToken: function (request) {
        return new Promise(function (resolve) { resolve(provider(request)); }).catch(function (reason) {
          throw reason instanceof Error ? reason : new Error("getToken failed with a value that is not an Error");
        });
      },
    });
  }

  function clientError(message) {
    return new SSEClientError({ type: "CLIENT", message: message });
  }

  function isPlainObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /** Set options (endpoint, headers, maxEventBytes, ...). Unknown options throw a CLIENT error
   * (called before `ready`, they are checked once Python has loaded: see `ready`; with
   * data-boot="worker" always so: see "Worker mode"). */
  function configure(options) {
    if (options == null) options = {};
    if (!isPlainObject(options)) throw clientError("configure() takes an object of options, e.g. configure({ endpoint: \"/api/chat\" }).");
    if (bridge) applyOptions(options);
    else pendingOptions.push(options);
    if (typeof options.debug === "boolean") debugLogging = options.debug; // Python checks it too
  }

  // ---- Debug logging, metrics, the rollout bucket: on the page, from the statuses, in both modes.
  var debugLogging = false; // configure({ debug: true })
  var lastChat = 0; // numbers the chats, for the debug log
  // SSEClient.metrics(): running totals of the chats of this page, from their final statuses'
  // `metrics` (measured in Python: sse_client/metrics.py). Averages are sums over counts:
  // durationMs / measured, timeToFirstByteMs / timeToFirstByteChats, ...
  var totals = { chats: 0, completed: 0, failed: 0, cancelled: 0, measured: 0, chunks: 0, events: 0, bytes: 0,
                 reconnects: 0, retriesUsed: 0, fallbacks: 0, stutterCorrections: 0, durationMs: 0,
                 timeToFirstByteMs: 0, timeToFirstByteChats: 0, timeToFirstChunkMs: 0, timeToFirstChunkChats: 0 };
  var SUMMED = ["chunks", "events", "bytes", "reconnects", "retriesUsed", "stutterCorrections", "durationMs"];

  /** The running totals of this page's chats (a copy). */
  function metrics() {
    return Object.assign({}, totals);
  }

  function tenths(value) { return Math.round(value * 10) / 10; }

  /** A chat's final status into the totals. A chat refused before it started has no metrics:
   * it counts among the chats and the failed ones only. */
  function account(status) {
    totals.chats += 1;
    totals[status.state] += 1;
    var measures = status.metrics;
    if (!measures) return;
    totals.measured += 1;
    SUMMED.forEach(function (name) { totals[name] = tenths(totals[name] + (measures[name] || 0)); });
    if (measures.fallbackUsed) totals.fallbacks += 1;
    [["timeToFirstByteMs", "timeToFirstByteChats"], ["timeToFirstChunkMs", "timeToFirstChunkChats"]].forEach(function (pair) {
      if (measures[pair[0]] == null) return;
      totals[pair[0]] = tenths(totals[pair[0]] + measures[pair[0]]);
      totals[pair[1]] += 1;
    });
  }

  /** What the page hears of every status of chat `number`, whether or not it has an onStatus:
   * the totals at the end and, with debug, the console. Statuses are redacted already (no token,
   * no header value): only they and their metrics are logged. Never throws. */
  function observeStatus(number, status) {
    try {
      if (debugLogging) console.log("[sse-client] chat " + number + " " + status.state + ": " + JSON.stringify(status));
      if (!TERMINAL[status.state]) return;
      account(status);
      if (debugLogging) {
        var m = status.metrics || {};
        console.log("[sse-client] chat " + number + " " + status.state + " summary: " +
          (m.durationMs == null ? "refused before it started" :
            m.durationMs + " ms, first byte " + m.timeToFirstByteMs + " ms, first chunk " + m.timeToFirstChunkMs +
            " ms, " + m.chunks + " chunks, " + m.events + " events, " + m.bytes + " bytes, " + m.reconnects +
            " reconnects, " + m.retriesUsed + " retries used, fallback " + (m.fallbackUsed ? "used" : "not used") +
            ", " + m.stutterCorrections + " stutter corrections, " + m.eventsPerSecond + " events/s"));
      }
    } catch (ignored) { /* a console that throws is no reason to fail a chat */ }
  }

  // The browser's rollout bucket (0-99) for configure({ rolloutPercent }): drawn once, kept in
  // localStorage under this key; without localStorage (a worker, storage blocked) kept for the page.
  var ROLLOUT_BUCKET_KEY = "sse-client.rolloutBucket";

  function rolloutBucket() {
    var storage = null;
    try { storage = globalThis.localStorage || null; } catch (ignored) { /* blocked: an opaque origin */ }
    try {
      var stored = storage && storage.getItem(ROLLOUT_BUCKET_KEY);
      if (stored != null && /^\d{1,2}$/.test(stored)) return Number(stored);
    } catch (ignored) { /* unreadable storage: draw one */ }
    var bucket = Math.floor(Math.random() * 100);
    try { if (storage) storage.setItem(ROLLOUT_BUCKET_KEY, String(bucket)); } catch (ignored) { /* full, blocked */ }
    return bucket;
  }

  // A chat's own options: `signal` here, the others (checked by Python as configure's are) over
  // the configured ones for that chat only.
  var CHAT_OPTIONS = ["endpoint", "format", "headers", "retry", "signal", "timeouts"];

  /** The chat's own options for Python: all but `signal`, and but those left undefined (as
   * if not given); undefined when there are none. */
  function callOptions(options) {
    var own;
    if (options != null) {
      Object.keys(options).forEach(function (name) {
        if (name === "signal" || options[name] === undefined) return;
        own = own || {};
        own[name] = options[name];
      });
    }
    return own;
  }

  /** The CLIENT error for arguments a chat cannot start with, saying what to write instead;
   * null when they are fine. */
  function chatArgumentsError(request, onChunk, onStatus, options) {
    if (!isPlainObject(request)) return clientError("The request must be an object, e.g. { model, messages }.");
    if (typeof onChunk !== "function") return clientError("onChunk must be a function: chatWithModelStream(request, chunk => ..., status => ...).");
    if (onStatus != null && typeof onStatus !== "function") return clientError("onStatus must be a function, or left out.");
    if (typeof AbortSignal !== "undefined" && options instanceof AbortSignal) {
      return clientError("Pass the signal inside the options: chatWithModelStream(request, onChunk, onStatus, { signal }).");
    }
    if (options != null && !isPlainObject(options)) return clientError("The options must be an object, e.g. { signal }.");
    if (options != null) {
      for (var name in options) {
        if (CHAT_OPTIONS.indexOf(name) < 0) {
          return clientError("Unknown chat option \"" + name + "\"; known: endpoint, format, headers, retry, signal, timeouts.");
        }
      }
      if (options.signal != null && !(typeof AbortSignal !== "undefined" && options.signal instanceof AbortSignal)) {
        return clientError("options.signal must be an AbortSignal (new AbortController().signal).");
      }
    }
    return null;
  }

  /**
   * Stream a chat reply: onChunk(text) for each new piece, onStatus({state, message, ...}) as the
   * stream's state changes. Resolves to the whole reply; rejects with an SSEClientError.
   */
  async function chatWithModelStream(request, onChunk, onStatus, options) {
    var mistake = chatArgumentsError(request, onChunk, onStatus, options);
    await ready;
    var number = ++lastChat;
    mistake = mistake || configError;
    if (mistake) {
      // Nothing was sent; a UI driven by statuses still hears how the chat ended.
      var refused = { state: "failed", message: mistake.message, error: { type: mistake.type, message: mistake.message } };
      observeStatus(number, refused);
      if (typeof onStatus === "function") {
        try { onStatus(refused); } catch (ignored) { /* its own problem */ }
      }
      throw mistake;
    }
    // undefined, not null: Pyodide turns undefined into None (null would become JsNull).
    var signal = options && options.signal ? options.signal : undefined;
    // The resolved text is the pieces given to onChunk, joined here: Python does not keep a
    // second copy of a long reply.
    var pieces = [];
    // Once the signal is aborted nothing more reaches the page but the `cancelled` status: the
    // body is read in JS, so pieces that were already on their way would otherwise still come
    // before the cancel reaches Python.
    function collect(piece) {
      if (signal && signal.aborted) return;
      pieces.push(piece);
      onChunk(piece);
    }
    function report(status) {
      observeStatus(number, status);
      if (!onStatus || (signal && signal.aborted && status.state !== "cancelled")) return;
      onStatus(status);
    }
    var outcome = await new Promise(function (resolve) {
      try {
        bridge.startChat(request, collect, report, resolve, signal, callOptions(options));
      } catch (error) { // never: start_chat settles every failure itself; this is the backstop
        resolve({ ok: false, error: { type: "CLIENT", message: "The chat could not be started." } });
      }
    });
    if (!outcome.ok) throw new SSEClientError(outcome.error);
    return pieces.join("");
  }

  /**
   * The low-level API. Without `options.stream`: `fetch(url, init)` with the configured
   * headers and token. With `options.stream: true`: resolves, once the response headers show an
   * event stream, to a reader:
   *   for await (const event of reader.readEvents()) { ... }   // {type: "chunk", content, ...}
   *   const text = await reader.readToCompletion({ onChunk, onStatus });   // or this
   *   reader.on("chunk" | "status" | "error" | "complete", cb)   // returns the unsubscribe
   *   reader.cancel(); reader.isStreaming; reader.bytesReceived; reader.eventsReceived
   * `options.onEvent(event)` and `options.onError(error)` are called as well, if given, and
   * `options.signal` (an AbortSignal) cancels like reader.cancel(). An HTTP error or a response
   * that is not an event stream rejects with an SSEClientError. No retries: that is
   * chatWithModelStream's job.
   */
  async function authFetch(url, init, options) {
    await ready;
    init = init || {};
    options = options || {};
    var headers = new Headers(init.headers || {});
    if (configError) throw configError;
    if (!options.stream) {
      // Python assembles the headers (configured, the caller's, the token's), as for a stream;
      // the page's own fetch() sends them, so that its Response is fetch's, untouched.
      var plain = Object.fromEntries(headers);
      var assembled = await new Promise(function (resolve) { bridge.requestHeaders(plain, resolve); });
      if (!assembled.ok) throw new SSEClientError(assembled.error);
      var response = await fetch(url, Object.assign({}, init, { headers: assembled.headers }));
      // A 401 with a getToken configured: one forced refresh and the same request again, as a
      // chat does. A body that is a stream was used up by the first request: that 401 stands.
      var resendable = init.body == null || typeof init.body === "string" || init.body instanceof Blob ||
        init.body instanceof ArrayBuffer || ArrayBuffer.isView(init.body) || init.body instanceof URLSearchParams ||
        (typeof FormData !== "undefined" && init.body instanceof FormData);
      if (response.status === 401 && assembled.refreshable && resendable) {
        if (response.body) response.body.cancel().catch(function () { /* nothing to read */ });
        assembled = await new Promise(function (resolve) { bridge.requestHeaders(plain, resolve, true); });
        if (!assembled.ok) throw new SSEClientError(assembled.error); // the refresh failed: AUTH
        response = await fetch(url, Object.assign({}, init, { headers: assembled.headers }));
      }
      return response;
    }
    return new Promise(function (resolve, reject) {
      var reader = new EventStreamReader(options);
      if (options.signal) {
        if (options.signal.aborted) reader.cancel();
        else options.signal.addEventListener("abort", function () { reader.cancel(); }, { once: true });
      }
      var plainInit = { method: init.method || "GET", headers: Object.fromEntries(headers) };
      if (init.body != null) plainInit.body = init.body;
      bridge.startStream(
        new URL(url, baseURL()).href,
        plainInit,
        function () { reader._opened = true; resolve(reader); },
        function (event, bytes, events) { reader._push(event, bytes, events); },
        function (outcome) {
          var error = outcome.ok ? null : new SSEClientError(outcome.error);
          if (!reader._end(outcome, error) && error) reject(error); // failed before it opened
        },
        reader._controller.signal);
    });
  }

  var READER_EVENTS = ["chunk", "status", "error", "complete"];

  /**
   * What authFetch(..., {stream: true}) resolves to: the events of one stream, in order. Read
   * them one way, readEvents() (for await) or readToCompletion(); `on(...)` listeners and
   * options.onEvent/onError hear them whichever way they are read. The same class in both boot
   * modes (in worker mode the relay pushes the worker's events into it).
   */
  class EventStreamReader {
    constructor(options) {
      this.bytesReceived = 0;
      this.eventsReceived = 0;
      this.metrics = null; // once the stream ended: {timeToFirstByteMs, durationMs, events, bytes, eventsPerSecond}
      this._options = options;
      this._controller = new AbortController();
      this._queue = [];
      this._waiting = null; // the pending next() of readEvents, if any
      this._opened = false;
      this._callbackError = null; // set when onEvent (or readToCompletion's onChunk/onStatus) threw: the stream's outcome
      this._cancelled = false;
      this._finished = false;
      this._error = null;
      this._listeners = { chunk: [], status: [], error: [], complete: [] };
      this._lastError = null; // the last error "error" listeners heard (a late one hears it)
      this._completed = false; // ended without an error of either kind, not cancelled
    }

    /** True from the moment the stream opened until it ended, failed or was cancelled. */
    get isStreaming() {
      return this._opened && !this._finished && !this._cancelled;
    }

    /** Stop reading and abort the request; readEvents() then ends without an error. */
    cancel() {
      this._cancelled = true;
      this._controller.abort();
    }

    /**
     * Listen: "chunk" and "status" hear each event of that type ({type: "chunk", content, index,
     * id}, {type: "status", message, progress, id}); "error" an SSEClientError for each error event
     * inside the stream and for the failure the stream ends with, if any; "complete" (no
     * argument) once, when the stream ended with no error of either kind and was not cancelled.
     * A listener for the end added after it hears it at once. A listener that throws is its own
     * problem: the stream and the other listeners go on (as onProgress's). Returns a function
     * that unsubscribes.
     */
    on(type, listener) {
      if (READER_EVENTS.indexOf(type) < 0) {
        throw clientError("reader.on() listens to \"chunk\", \"status\", \"error\" or \"complete\", not " + JSON.stringify(String(type)) + ".");
      }
      if (typeof listener !== "function") throw clientError("reader.on(type, listener) takes a function: reader.on(\"chunk\", event => ...).");
      var listeners = this._listeners[type];
      listeners.push(listener);
      if (this._finished && type === "complete" && this._completed) callListener(listener, undefined);
      else if (this._finished && type === "error" && this._lastError) callListener(listener, this._lastError);
      return function unsubscribe() {
        var at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      };
    }

    /**
     * Read the stream to its end and resolve to its text (the chunks' contents, joined), calling
     * `onChunk(content)` for each chunk and `onStatus(event)` for each status event. Rejects
     * with an SSEClientError: the stream's failure; the first error event inside the stream (the
     * stream is then cancelled); CANCELLED if the stream was cancelled first; CLIENT (and the
     * stream stopped) if onChunk or onStatus throws.
     */
    async readToCompletion(callbacks) {
      if (callbacks == null) callbacks = {};
      if (!isPlainObject(callbacks)) throw clientError("readToCompletion() takes an object: readToCompletion({ onChunk, onStatus }).");
      for (var name in callbacks) {
        if (name !== "onChunk" && name !== "onStatus") throw clientError("Unknown readToCompletion option \"" + name + "\"; known: onChunk, onStatus.");
        if (callbacks[name] != null && typeof callbacks[name] !== "function") throw clientError(name + " must be a function, or left out.");
      }
      var pieces = [];
      for (;;) {
        var step = await this._next(); // rejects with the stream's failure
        if (step.done) break;
        var event = step.value;
        var callback = null;
        if (event.type === "chunk") {
          pieces.push(event.content);
          callback = callbacks.onChunk && ["onChunk", event.content];
        } else if (event.type === "status") {
          callback = callbacks.onStatus && ["onStatus", event];
        } else if (event.type === "error") {
          this.cancel();
          throw event.error;
        }
        if (callback) {
          try {
            callbacks[callback[0]](callback[1]);
          } catch (thrown) {
            throw this._stopForCallback(callback[0], thrown);
          }
        }
      }
      if (!this._completed) throw new SSEClientError({ type: "CANCELLED", message: "The stream was cancelled." });
      return pieces.join("");
    }

    /** An async iterator of the normalised events; `break` out of for-await cancels. */
    readEvents() {
      var self = this;
      return {
        [Symbol.asyncIterator]: function () { return this; },
        next: function () { return self._next(); },
        return: function () {
          self.cancel();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    }

    _next() {
      if (this._queue.length) return Promise.resolve({ value: this._queue.shift(), done: false });
      if (this._finished) {
        return this._error ? Promise.reject(this._error) : Promise.resolve({ value: undefined, done: true });
      }
      var self = this;
      return new Promise(function (resolve, reject) { self._waiting = { resolve: resolve, reject: reject }; });
    }

    /** As a chat's throwing onChunk: the stream stops, and ends with a CLIENT error that says
     * whose the problem is (the exception itself is its cause, kept on the page). */
    _stopForCallback(name, thrown) {
      if (!this._callbackError) {
        this._callbackError = new SSEClientError({
          type: "CLIENT", message: "The page's " + name + " callback threw an error, so the stream was stopped.",
          cause: thrown });
      }
      this.cancel();
      return this._callbackError;
    }

    _emit(type, value) {
      this._listeners[type].slice().forEach(function (listener) { callListener(listener, value); });
    }

    _push(event, bytes, events) {
      this.bytesReceived = bytes;
      this.eventsReceived = events;
      if (this._callbackError) return; // stopped: nothing more reaches the page
      // An error event's `error` (its classification, made in Python) is an SSEClientError here.
      if (event.type === "error" && !(event.error instanceof SSEClientError)) {
        event.error = new SSEClientError(event.error || { type: "SERVER", message: event.message || "The chat server reported an error." });
      }
      if (this._options.onEvent) {
        try {
          this._options.onEvent(event);
        } catch (thrown) {
          this._stopForCallback("onEvent", thrown);
          return;
        }
      }
      if (event.type === "chunk" || event.type === "status") {
        this._emit(event.type, event);
      } else if (event.type === "error") {
        this._lastError = event.error;
        this._emit("error", event.error);
      }
      if (this._waiting) {
        var waiting = this._waiting;
        this._waiting = null;
        waiting.resolve({ value: event, done: false });
      } else {
        this._queue.push(event);
      }
    }

    // Returns whether the stream had opened (else the caller rejects authFetch itself).
    _end(outcome, error) {
      if (outcome.bytesReceived !== undefined) {
        this.bytesReceived = outcome.bytesReceived;
        this.eventsReceived = outcome.eventsReceived;
      }
      if (outcome.metrics) this.metrics = outcome.metrics;
      if (this._callbackError) error = this._callbackError;
      else if (error && error.type === "CANCELLED" && this._cancelled) error = null; // asked for
      this._finished = true;
      this._error = error;
      if (error && this._options.onError) {
        // A throwing onError is its own problem: the reader still ends, authFetch still settles.
        try { this._options.onError(error); } catch (ignored) { /* see above */ }
      }
      if (error) {
        this._lastError = error;
        this._emit("error", error);
      } else if (!this._cancelled && !this._lastError) {
        this._completed = true;
        this._emit("complete", undefined);
      }
      if (this._waiting) {
        var waiting = this._waiting;
        this._waiting = null;
        if (error) waiting.reject(error);
        else waiting.resolve({ value: undefined, done: true });
      }
      return this._opened;
    }
  }

  function callListener(listener, value) {
    try { listener(value); } catch (ignored) { /* isolated: a listener's own problem (see on()) */ }
  }

  // ---- Worker mode: `<script src=".../sse-client.js" data-boot="worker">` -------------------
  //
  // Python boots and runs in a dedicated Web Worker, so that neither its boot (a ~1.6 s task)
  // nor its work while streaming holds up this page's thread; the API here is the same. One
  // file, two roles: on the page ("worker" mode) this loader boots nothing but a worker that
  // loads this same file with __SSE_CLIENT_WORKER_HOST__ set ("host" mode), which boots Python
  // exactly as a page does and serves the page over postMessage (serveThePage). On the page,
  // `bridge` is a relay with the same four entry points as Python's bridge, so that configure,
  // chatWithModelStream and authFetch above are the same code in both modes, and the callbacks
  // run on the page.
  //
  // The worker is a module worker (Pyodide refuses classic workers) made from a Blob URL
  // (`new Worker(url)` refuses a script of another origin) whose module imports this file: so
  // the bundle's server must allow CORS for the loader and Pyodide's files (as it must anyway
  // for the downloads Pyodide makes with fetch), and a Content-Security-Policy must allow
  // `worker-src blob:`.
  //
  // Differences from page mode, all because the worker cannot answer the page synchronously:
  // - An invalid option cannot throw from configure() (Python checks it in the worker): it is
  //   kept as for a configure() made before `ready`: chats and authFetch calls reject with its
  //   CLIENT error until a later configure() succeeds. Options that cannot be posted (functions
  //   but getToken) throw a CLIENT error from configure() at once.
  // - `random` is refused: Python draws the jitter synchronously and cannot wait for the page.
  // - `getToken` stays on the page: the worker asks for each token by message.
  // - A callback that throws stops its chat from here (the worker is told to abort it), with the
  //   error and `failed` status that page mode gives; a request may already have been sent.
  // - `SSEClient.pyodide` is null: the runtime is in the worker.
  // - The worker fetches a relative endpoint against the page's base URL (sent with each chat),
  //   as the page's fetch would.
  //
  // The relay protocol. Every message is an array [op, id, ...]; `id` numbers the page's calls
  // (chats, streams, header requests) or the worker's token requests; 0 for neither.
  //   page -> worker
  //     ["configure", 0, options, provider]   options as given, but for a getToken function,
  //                                           which stays here as token provider `provider` (0: none)
  //     ["chat", id, request, pageBase, aborted, revive, options]   revive: the request and
  //                                           the chat's own options (but signal) went as plain
  //                                           copies, with markers for what could not be posted
  //     ["stream", id, url, init, aborted]    authFetch(url, init, {stream: true})
  //     ["headers", id, headers, forceRefresh]   a plain authFetch: the headers to send
  //     ["page", 0, event]                    "offline" | "online" | "freeze" | "resume" (watchPageLifecycle)
  //     ["abort", id]                         the signal aborted, or a callback threw
  //     ["token", request, ok, token | {name, message}]   the answer to a token request
  //   worker -> page
  //     ["progress", 0, phase, loaded, total]   ["ready", 0, {snapshotError, fromSnapshot}]
  //     ["failed", 0, error]                   the boot failed: `ready` rejects with it
  //     ["chunk", id, text]  ["status", id, status]   a chat's pieces and every status of it
  //     ["open", id]  ["event", id, event, bytesReceived, eventsReceived]   a stream's
  //     ["done", id, outcome]                 every call's outcome, exactly once
  //     ["token", request, provider, args]    call the page's getToken number `provider` with
  //                                           `args` (Python's: [{forceRefresh}])
  //     ["release", 0, provider]              the worker holds that provider no more
  // Chunks go as plain strings: one short array per call of onChunk, nothing big to clone.

  var TERMINAL = { completed: true, failed: true, cancelled: true };
  var BETWEEN_ATTEMPTS = { connecting: true, reconnecting: true, fallback: true };
  var UNSENDABLE = "__sse_client_unsendable__"; // marks what a request copy could not carry
  var pageBase = workerHost ? workerHost.pageBase : null; // in the worker: the page's base URL

  /** The text Pyodide gives a JS exception (str(JsException)): what page mode's errors quote. */
  function thrownText(error) {
    try {
      return error instanceof Error ? String(error) : "Error: " + String(error);
    } catch (ignored) {
      return "Error";
    }
  }

  function thrownInfo(error) {
    var text = thrownText(error);
    var colon = text.indexOf(": ");
    return colon < 0 ? { name: "Error", message: text } : { name: text.slice(0, colon), message: text.slice(colon + 2) };
  }

  function clip(text) { // as classify._clip
    return text.length <= 300 ? text : text.slice(0, 299) + "\u2026";
  }

  /** A copy of a request postMessage refused: plain objects and arrays copied (a framework's
   * reactive Proxy too), a function or symbol as a marker the worker turns back into a function
   * (so that Python refuses it in page mode's words), a request that throws when read as one. */
  function plainCopy(request) {
    var copies = new Map();
    function copy(value) {
      if (typeof value === "function" || typeof value === "symbol") {
        var marker = {};
        marker[UNSENDABLE] = "function";
        return marker;
      }
      if (value === null || typeof value !== "object") return value;
      var proto = Object.getPrototypeOf(value);
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
      if (copies.has(value)) return copies.get(value);
      var result = Array.isArray(value) ? [] : {};
      copies.set(value, result);
      Object.keys(value).forEach(function (key) { result[key] = copy(value[key]); });
      return result;
    }
    try {
      return copy(request);
    } catch (error) {
      var unreadable = {};
      unreadable[UNSENDABLE] = "unreadable";
      unreadable.error = thrownInfo(error);
      return unreadable;
    }
  }

  /** In the worker: the request plainCopy made, with its markers turned back into what Python
   * refuses as it does on a page (a function; an object whose getter throws the same error). */
  function revive(request) {
    var seen = new Set();
    function walk(value) {
      if (value === null || typeof value !== "object" || seen.has(value)) return value;
      if (value[UNSENDABLE] === "function") return function unsendable() {};
      if (value[UNSENDABLE] === "unreadable") {
        var error = new Error(value.error.message);
        error.name = value.error.name;
        return Object.defineProperty({}, "value", { enumerable: true, get: function () { throw error; } });
      }
      seen.add(value);
      Object.keys(value).forEach(function (key) { value[key] = walk(value[key]); });
      return value;
    }
    return walk(request);
  }

  function errorInfo(error) {
    return {
      type: error.type || "CLIENT", message: error.message, retryable: Boolean(error.retryable),
      status: error.status == null ? null : error.status, attempt: error.attempt == null ? null : error.attempt,
      retryAfter: error.retryAfter == null ? null : error.retryAfter,
      cause: error.cause == null ? null : String(error.cause),
      causes: (error.causes || []).map(errorInfo),
    };
  }

  // The credentials the page knows of (tokens its getToken gave, configured header values), to
  // redact from the errors made here out of a callback's exception, as the worker's Python
  // redacts everything it sends (the same rules as sse_client/redaction.py).
  var PUBLIC_HEADERS = ["accept", "accept-language", "accept-encoding", "content-type", "content-language",
                        "cache-control", "pragma", "idempotency-key", "last-event-id", "user-agent"];
  var pageSecrets = [];

  function rememberSecret(value) {
    if (typeof value !== "string") return;
    var scheme = /^(bearer|basic|token) /i.exec(value);
    [value, scheme ? value.slice(scheme[0].length).trim() : ""].forEach(function (secret) {
      if (secret.length < 6) return;
      var at = pageSecrets.indexOf(secret);
      if (at >= 0) pageSecrets.splice(at, 1);
      pageSecrets.push(secret);
    });
    if (pageSecrets.length > 64) pageSecrets.splice(0, pageSecrets.length - 64);
  }

  function redactOnPage(text) {
    pageSecrets.slice().sort(function (a, b) { return b.length - a.length; }).forEach(function (secret) {
      text = text.split(secret).join("[redacted]");
    });
    return text;
  }

  function rememberHeaders(headers) {
    if (!isPlainObject(headers)) return;
    Object.keys(headers).forEach(function (name) {
      if (PUBLIC_HEADERS.indexOf(name.toLowerCase()) < 0) rememberSecret(headers[name]);
    });
  }

  /** `text` (which starts with a capital) ending as a sentence, as classify.sentence does. */
  function sentence(text) {
    text = text.trim();
    return /[.!?\u2026]["')\]\u201d\u2019]*$/.test(text) ? text : text + ".";
  }

  /** The failure page mode reports for a chat callback of the page's that threw (classify's
   * callback_error). */
  function callbackFailure(name, error, attempt) {
    var text = redactOnPage(thrownText(error));
    var message = sentence("The page's " + name + " callback threw an error, so the chat was stopped: " + clip(text));
    return { ok: false, error: { type: "CLIENT", message: message, retryable: false, status: null, attempt: attempt,
                                 cause: text, retryAfter: null, causes: [] } };
  }

  /** The page's side: start the worker, make `bridge` the relay to it; resolves when the
   * worker's `ready` does, rejects with its error, or when the worker cannot start. */
  function startWorker() {
    var worker = null;
    var calls = new Map(); // call id -> {op: function (message)} for the messages of that call
    var lastCall = 0;
    var providers = new Map(); // token provider number -> the page's getToken
    var lastProvider = 0;

    function post(message) {
      if (worker) worker.postMessage(message);
    }

    function giveToken(message) {
      var provider = providers.get(message[2]);
      new Promise(function (resolve) {
        if (!provider) throw new Error("getToken is not configured any more");
        resolve(provider.apply(undefined, message[3]));
      }).then(function (token) {
        rememberSecret(token);
        // Text, a number, null or undefined go as they are; Python makes a string of anything else.
        var plain = token == null || typeof token === "string" || typeof token === "number" || typeof token === "boolean";
        post(["token", message[1], true, plain ? token : thrownInfo(token).message]);
      }, function (error) {
        post(["token", message[1], false, thrownInfo(error)]);
      });
    }

    bridge = {
      configure: function (options) {
        if (typeof options.random === "function") {
          throw clientError("The random option is not available with data-boot=\"worker\": Python draws the retry " +
                            "jitter in the worker and cannot wait for the page. Leave it out, or use data-boot=\"page\".");
        }
        var provider = 0;
        if (typeof options.getToken === "function") {
          provider = ++lastProvider;
          providers.set(provider, options.getToken);
          options = Object.assign({}, options);
          delete options.getToken;
        }
        rememberHeaders(options.headers);
        try {
          post(["configure", 0, options, provider]);
        } catch (error) {
          providers.delete(provider);
          throw clientError("configure() options are sent to the worker (data-boot=\"worker\"): give strings, numbers, " +
                            "booleans, null, plain objects and arrays, and getToken as the one function.");
        }
        return { ok: true };
      },

      startChat: function (request, collect, report, done, signal, options) {
        var id = ++lastCall;
        var attempt = 0; // as ChatRun counts them, for the error of a callback that throws
        var failure = null; // set when a callback threw: the chat's outcome, whatever the worker says
        function onAbort() { post(["abort", id]); }
        function stop(name, error, atAttempt) {
          failure = callbackFailure(name, error, atAttempt);
          post(["abort", id]);
          if (report) {
            try { report({ state: "failed", message: failure.error.message, error: failure.error }); } catch (ignored) { /* as in page mode */ }
          }
        }
        calls.set(id, {
          chunk: function (message) {
            if (failure) return;
            try { collect(message[2]); } catch (error) { stop("onChunk", error, attempt || null); }
          },
          status: function (message) {
            if (failure) return;
            var status = message[2];
            var state = status.state;
            if (state === "connecting") attempt = 1;
            else if (state === "reconnecting") attempt = status.attempt;
            else if (state === "fallback") attempt += 1;
            if (!report) return;
            try {
              report(status);
            } catch (error) {
              // As in page mode: a throw at the terminal status cannot change the outcome, and
              // one at a step between attempts belongs to no attempt.
              if (!TERMINAL[state]) stop("onStatus", error, BETWEEN_ATTEMPTS[state] ? null : attempt);
            }
          },
          done: function (message) {
            calls.delete(id);
            if (signal) signal.removeEventListener("abort", onAbort);
            done(failure || message[2]);
          },
        });
        if (signal) signal.addEventListener("abort", onAbort);
        rememberHeaders(options && options.headers); // a chat's own headers are secrets too
        var message = ["chat", id, request, baseURL(), Boolean(signal && signal.aborted), false, options];
        try {
          try {
            post(message);
          } catch (error) { // a function, a symbol, a Proxy in the request: postMessage cannot clone it
            message[2] = plainCopy(request);
            message[6] = plainCopy(options);
            message[5] = true;
            post(message);
          }
        } catch (error) {
          calls.delete(id);
          if (signal) signal.removeEventListener("abort", onAbort);
          throw error; // chatWithModelStream's backstop settles the chat
        }
      },

      startStream: function (url, init, onOpen, onEvent, onDone, signal) {
        var id = ++lastCall;
        function onAbort() { post(["abort", id]); }
        if (init.body != null && typeof init.body !== "string") {
          init = Object.assign({}, init, { body: {} }); // not a string: Python refuses it as in page mode
        }
        // The reader (EventStreamReader) catches what the page's own callbacks throw, as in
        // page mode: these hand the messages on.
        calls.set(id, {
          open: function () { onOpen(); },
          event: function (message) { onEvent(message[2], message[3], message[4]); },
          done: function (message) {
            calls.delete(id);
            signal.removeEventListener("abort", onAbort);
            onDone(message[2]);
          },
        });
        signal.addEventListener("abort", onAbort);
        post(["stream", id, url, init, signal.aborted]);
      },

      requestHeaders: function (headers, onDone, forceRefresh) {
        var id = ++lastCall;
        calls.set(id, { done: function (message) { calls.delete(id); onDone(message[2]); } });
        post(["headers", id, headers, forceRefresh === true]);
      },
    };

    return new Promise(function (resolve, reject) {
      var started = false; // ready or failed
      // The worker keeps the messages that come before this file has loaded in it (an import is
      // asynchronous) for serveThePage, and reports a loader it could not import.
      var source = [
        "var early = [];",
        "function keep(event) { early.push(event.data); }",
        "self.addEventListener('message', keep);",
        "self.__SSE_CLIENT_WORKER_HOST__ = { loaderURL: " + JSON.stringify(loaderURL) + ", pageBase: " +
          JSON.stringify(baseURL()) + ", early: early, keep: keep };",
        "import(self.__SSE_CLIENT_WORKER_HOST__.loaderURL).catch(function (error) {",
        "  self.postMessage(['failed', 0, { type: 'NETWORK', message: 'sse_client failed to load: its worker could not import ' +",
        "    self.__SSE_CLIENT_WORKER_HOST__.loaderURL + ' (' + error + ').' }]);",
        "});",
      ].join("\n");
      var blobURL = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      function revoke() {
        if (blobURL) URL.revokeObjectURL(blobURL);
        blobURL = null;
      }
      function cannotStart(detail, cause) {
        started = true;
        reject(new SSEClientError({ type: "NETWORK", message: "sse_client failed to load: its worker could not start (" + detail + ").", cause: cause }));
      }
      try {
        worker = new Worker(blobURL, { type: "module", name: "sse-client" });
        watchPageLifecycle(function (event) { post(["page", 0, event]); });
      } catch (error) { // a Content-Security-Policy without worker-src blob:, no Worker at all
        revoke();
        cannotStart(error && error.message || String(error), error);
        return;
      }
      worker.onmessage = function (event) {
        revoke(); // the worker runs: its script is loaded
        var message = event.data;
        var op = message[0];
        if (op === "progress") {
          reportProgress(message[2], message[3], message[4]);
        } else if (op === "token") {
          giveToken(message);
        } else if (op === "release") {
          providers.delete(message[2]);
        } else if (op === "ready") {
          started = true;
          api.snapshotError = message[2].snapshotError == null ? null : new Error(message[2].snapshotError);
          api.fromSnapshot = message[2].fromSnapshot;
          resolve();
        } else if (op === "failed") {
          started = true;
          reject(new SSEClientError(message[2]));
        } else {
          var call = calls.get(message[1]);
          if (call) call[op](message);
        }
      };
      worker.onerror = function (event) {
        revoke();
        if (started) return; // an uncaught error in the worker: the page's to see, as in page mode
        event.preventDefault(); // `ready` reports it
        cannotStart(event.message || "its script could not be loaded from " + loaderURL, undefined);
      };
    });
  }

  /** The worker's side ("host"): Python fetches relative URLs (the default endpoint
   * "/api/chat") against the page's base URL, not against the worker's blob: URL. Called
   * before the boot, so that the download counter wraps this fetch and puts it back. */
  function resolveAgainstThePage() {
    var workerFetch = globalThis.fetch;
    globalThis.fetch = function (input, init) {
      if (typeof input === "string" && pageBase) {
        try { input = new URL(input, pageBase).href; } catch (ignored) { /* fetch says what is wrong with it */ }
      }
      return workerFetch.call(globalThis, input, init);
    };
  }

  /** The worker's side: answer the page's messages with the real bridge (see the protocol). */
  function serveThePage() {
    var running = new Map(); // call id -> the AbortController of that chat or stream
    var tokenRequests = new Map(); // token request id -> {resolve, reject}
    var lastTokenRequest = 0;
    // When Python drops a configuration, its getToken (below) is collected: the page can forget it.
    var providers = typeof FinalizationRegistry === "function"
      ? new FinalizationRegistry(function (provider) { post(["release", 0, provider]); })
      : null;

    function post(message) {
      self.postMessage(message);
    }

    function start(id, aborted) {
      var controller = new AbortController();
      running.set(id, controller);
      if (aborted) controller.abort();
      return controller.signal;
    }

    function finish(id, outcome) {
      running.delete(id);
      post(["done", id, outcome]);
    }

    function tokenProvider(provider) {
      function getToken() {
        var args = Array.prototype.slice.call(arguments); // [{forceRefresh}], a plain object
        return new Promise(function (resolve, reject) {
          var request = ++lastTokenRequest;
          tokenRequests.set(request, { resolve: resolve, reject: reject });
          post(["token", request, provider, args]);
        });
      }
      if (providers) providers.register(getToken, provider);
      return getToken;
    }

    var ops = {
      configure: function (message) {
        var options = message[2];
        if (message[3]) options.getToken = tokenProvider(message[3]);
        // After ready an invalid option throws: kept as one made before ready is (see above).
        try { configure(options); } catch (error) { configError = error; }
      },
      chat: function (message) {
        var id = message[1];
        var signal = start(id, message[4]);
        pageBase = message[3];
        if (configError) {
          post(["status", id, { state: "failed", message: configError.message, error: { type: configError.type, message: configError.message } }]);
          finish(id, { ok: false, error: errorInfo(configError) });
          return;
        }
        bridge.startChat(
          message[5] ? revive(message[2]) : message[2],
          function (piece) { if (!signal.aborted) post(["chunk", id, piece]); },
          function (status) { if (!signal.aborted || status.state === "cancelled") post(["status", id, status]); },
          function (outcome) { finish(id, outcome); },
          signal,
          message[5] ? revive(message[6]) : message[6]);
      },
      stream: function (message) {
        var id = message[1];
        var signal = start(id, message[4]);
        if (configError) {
          finish(id, { ok: false, error: errorInfo(configError) });
          return;
        }
        bridge.startStream(message[2], message[3],
          function () { post(["open", id]); },
          function (event, bytesReceived, eventsReceived) { post(["event", id, event, bytesReceived, eventsReceived]); },
          function (outcome) { finish(id, outcome); },
          signal);
      },
      page: function (message) {
        // Before ready there is no chat to tell, but the state (offline) counts for the first ones.
        ready.then(function () { bridge.pageEvent(message[2]); }, function () { /* no Python, no chats */ });
      },
      headers: function (message) {
        var id = message[1];
        if (configError) {
          post(["done", id, { ok: false, error: errorInfo(configError) }]);
          return;
        }
        bridge.requestHeaders(message[2], function (outcome) { post(["done", id, outcome]); }, message[3]);
      },
      abort: function (message) {
        var controller = running.get(message[1]);
        if (controller) controller.abort();
      },
      token: function (message) {
        var request = tokenRequests.get(message[1]);
        if (!request) return;
        tokenRequests.delete(message[1]);
        if (message[2]) {
          request.resolve(message[3]);
        } else {
          var error = new Error(message[3].message);
          error.name = message[3].name;
          request.reject(error);
        }
      },
    };

    function handle(message) {
      try {
        ops[message[0]](message);
      } catch (error) { // never: the bridge settles every call itself; this is the backstop
        if (message[0] === "chat" || message[0] === "stream" || message[0] === "headers") {
          finish(message[1], { ok: false, error: errorInfo({ type: "CLIENT", message: "The chat failed because of an error inside sse_client.",
                                                              cause: thrownText(error) }) });
        }
      }
    }
    self.removeEventListener("message", workerHost.keep);
    self.addEventListener("message", function (event) { handle(event.data); });
    workerHost.early.splice(0).forEach(handle); // what the page sent before this file had loaded
    onProgress(function (progress) {
      if (progress.phase !== "ready" && progress.phase !== "failed") {
        post(["progress", 0, progress.phase, progress.loaded, progress.total]);
      }
    });
    ready.then(function () {
      post(["ready", 0, { snapshotError: snapshotError ? String(snapshotError.message || snapshotError) : null,
                          fromSnapshot: fromSnapshot }]);
    }, function (error) {
      post(["failed", 0, errorInfo(error)]);
    });
  }

  // "page": Python on this page's thread; "worker": in a Web Worker (above); "host": this copy
  // is that worker's.
  // The tag says data-boot="worker"; the module, its URL's query: sse-client.mjs?boot=worker.
  var bootMode = workerHost ? "host"
    : moduleURL ? new URL(moduleURL).searchParams.get("boot") || "page"
    : script.getAttribute("data-boot") || "page";
  var bootOption = moduleURL ? "?boot=" : "data-boot=";
  var booting;
  if (bootMode === "worker") {
    booting = startWorker();
  } else if (bootMode === "page" || bootMode === "host") {
    if (bootMode === "host") resolveAgainstThePage();
    booting = boot();
  } else {
    booting = Promise.reject(clientError(bootOption + "\"" + bootMode + "\" is not a way to boot sse_client: use \"page\" " +
                                         "(the default: Python on the page's thread) or \"worker\" (Python in a Web Worker)."));
  }

  // The page (not the worker, which has no localStorage) gives Python the browser's rollout bucket
  // before any option of the caller's; in worker mode the relay passes it on with configure.
  if (bootMode !== "host") configure({ rolloutBucket: rolloutBucket() });

  var ready = booting.then(function () {
    reportProgress("ready", null, null);
  }, function (error) {
    reportProgress("failed", null, null);
    throw error instanceof SSEClientError
      ? error
      : new SSEClientError({ type: "NETWORK", message: "sse_client failed to load: " + error.message, cause: error });
  });

  var api = {
    ready: ready,
    configure: configure,
    chatWithModelStream: chatWithModelStream,
    authFetch: authFetch,
    onProgress: onProgress,
    metrics: metrics, // running totals of this page's chats
    SSEClientError: SSEClientError,
    version: BUILD.version, // the package's version (pyproject.toml), e.g. "0.1.0"
    build: BUILD.build, // a hash of this bundle's content: changes with every rebuild that changes anything
    pyodide: null, // set once ready; stays null with data-boot="worker" (the runtime is in the worker)
    fromSnapshot: false, // true once ready if Python was restored from the bundle's memory snapshot
    snapshotError: null, // set once ready, if a snapshot was there but could not be used
  };
  // "page" or "worker" (data-boot, or ?boot= of the module); "host" in the worker itself, whose SSEClient is the
  // in-place API the page's calls are relayed to (and its runtime, for debugging, SSEClient.pyodide).
  Object.defineProperty(api, "mode", { value: bootMode === "worker" || bootMode === "host" ? bootMode : "page", enumerable: true });
  if (bootMode === "host") serveThePage();
  globalThis.SSEClient = api;
})();
