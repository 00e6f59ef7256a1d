/*
 * sse-client.js: the script-tag loader of sse_client.
 *
 *   <script src="/any/path/dist/sse-client.js"></script>
 *   await SSEClient.ready;
 *   SSEClient.configure({ endpoint: "/api/chat" });
 *   const text = await SSEClient.chatWithModelStream(req, onChunk, onStatus, { signal });
 *
 * It only boots Pyodide from the precompiled runtime (or its memory snapshot) and publishes the
 * API: the streaming logic is Python (sse_client). Everything is found relative to this script's
 * own URL, so the bundle works from any path or origin, and nothing comes from a CDN.
 */
(function () {
  "use strict";

  // build.py replaces this with what it built: {version, runtime, app, snapshot, lock, sizes}.
  // `version` is a hash of everything the page loads, so a rebuilt bundle is never stale.
  var BUILD = "__SSE_CLIENT_BUILD__";

  // The worker that `data-boot="worker"` starts loads this same file, and tells it so.
  var workerHost = globalThis.__SSE_CLIENT_WORKER_HOST__ || null;
  var script = typeof document !== "undefined" ? document.currentScript : null;
  if (!workerHost && (!script || !script.src)) {
    throw new Error("sse-client.js must be loaded with a <script src=...> tag");
  }
  var base = new URL(".", workerHost ? workerHost.loaderURL : script.src);
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
    if (typeof document === "undefined") { // a worker
      importScripts(url);
      return Promise.resolve();
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
               requestHeaders: module.request_headers };
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

  function applyOptions(options) {
    var result = bridge.configure(options);
    if (!result.ok) throw new SSEClientError(result.error);
    configError = null;
  }

  function clientError(message) {
    return new SSEClientError({ type: "CLIENT", message: message });
  }

  function isPlainObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /** Set options (endpoint, headers, maxEventBytes, ...). Unknown options throw a CLIENT error
   * (called before `ready`, they are checked once Python has loaded: see `ready`). */
  function configure(options) {
    if (options == null) options = {};
    if (!isPlainObject(options)) throw clientError("configure() takes an object of options, e.g. configure({ endpoint: \"/api/chat\" }).");
    if (bridge) applyOptions(options);
    else pendingOptions.push(options);
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
        if (name !== "signal") return clientError("Unknown chat option \"" + name + "\"; known: signal.");
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
    mistake = mistake || configError;
    if (mistake) {
      // Nothing was sent; a UI driven by statuses still hears how the chat ended.
      if (typeof onStatus === "function") {
        try { onStatus({ state: "failed", message: mistake.message, error: { type: mistake.type, message: mistake.message } }); } catch (ignored) { /* its own problem */ }
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
      if (signal && signal.aborted && status.state !== "cancelled") return;
      onStatus(status);
    }
    var outcome = await new Promise(function (resolve) {
      try {
        bridge.startChat(request, collect, onStatus ? report : undefined, resolve, signal);
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
   *   reader.cancel(); reader.bytesReceived; reader.eventsReceived
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
      var assembled = await new Promise(function (resolve) {
        bridge.requestHeaders(Object.fromEntries(headers), resolve);
      });
      if (!assembled.ok) throw new SSEClientError(assembled.error);
      return fetch(url, Object.assign({}, init, { headers: assembled.headers }));
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
        new URL(url, typeof document !== "undefined" ? document.baseURI : location.href).href,
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

  /** What authFetch(..., {stream: true}) resolves to: the events of one stream, in order. */
  class EventStreamReader {
    constructor(options) {
      this.bytesReceived = 0;
      this.eventsReceived = 0;
      this._options = options;
      this._controller = new AbortController();
      this._queue = [];
      this._waiting = null; // the pending next() of readEvents, if any
      this._opened = false;
      this._cancelled = false;
      this._finished = false;
      this._error = null;
    }

    /** Stop reading and abort the request; readEvents() then ends without an error. */
    cancel() {
      this._cancelled = true;
      this._controller.abort();
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

    _push(event, bytes, events) {
      this.bytesReceived = bytes;
      this.eventsReceived = events;
      if (this._options.onEvent) this._options.onEvent(event);
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
      if (error && error.type === "CANCELLED" && this._cancelled) error = null; // asked for
      this._finished = true;
      this._error = error;
      if (error && this._options.onError) this._options.onError(error);
      if (this._waiting) {
        var waiting = this._waiting;
        this._waiting = null;
        if (error) waiting.reject(error);
        else waiting.resolve({ value: undefined, done: true });
      }
      return this._opened;
    }
  }

  var ready = boot().then(function () {
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
    SSEClientError: SSEClientError,
    version: BUILD.version,
    pyodide: null, // set once ready
    fromSnapshot: false, // true once ready if Python was restored from the bundle's memory snapshot
    snapshotError: null, // set once ready, if a snapshot was there but could not be used
  };
  globalThis.SSEClient = api;
})();
