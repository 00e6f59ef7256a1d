/*
 * sse-client.js: the script-tag loader of sse_client.
 *
 *   <script src="/any/path/dist/sse-client.js"></script>
 *   await SSEClient.ready;
 *   SSEClient.configure({ endpoint: "/api/chat" });
 *   const text = await SSEClient.chatWithModelStream(req, onChunk, onStatus, { signal });
 *
 * It only boots Pyodide, installs the Python package and publishes the API: the streaming logic
 * is Python (sse_client). Everything is found relative to this script's own URL, so the bundle
 * works from any path or origin, and nothing comes from a CDN.
 */
(function () {
  "use strict";

  // build.py replaces this with a hash of the package, so a rebuilt bundle is never stale.
  var PACKAGE_VERSION = "__SSE_CLIENT_PACKAGE_VERSION__";

  var script = document.currentScript;
  if (!script || !script.src) {
    throw new Error("sse-client.js must be loaded with a <script src=...> tag");
  }
  var base = new URL(".", script.src);
  var pyodideURL = new URL("pyodide/", base).href;
  var packageURL = new URL("sse_client.zip?v=" + PACKAGE_VERSION, base).href;

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

  var bridge = null; // {configure, startChat}: the Python entry points, once booted
  var pendingOptions = []; // configure() calls made before ready

  async function boot() {
    var packageBytes = fetch(packageURL).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status + " for " + packageURL);
      return response.arrayBuffer();
    });
    if (typeof globalThis.loadPyodide !== "function") {
      await loadScript(pyodideURL + "pyodide.js");
    }
    var pyodide = await globalThis.loadPyodide({ indexURL: pyodideURL });
    var sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
    pyodide.unpackArchive(await packageBytes, "zip", { extractDir: sitePackages });
    // The module proxy lives as long as the page: its attribute proxies are borrowed from it.
    var module = pyodide.pyimport("sse_client.bridge");
    bridge = { configure: module.configure, startChat: module.start_chat };
    globalThis.SSEClient.pyodide = pyodide; // the runtime, for callers who want Python too
    pendingOptions.splice(0).forEach(applyOptions);
  }

  function applyOptions(options) {
    var result = bridge.configure(options);
    if (!result.ok) throw new SSEClientError(result.error);
  }

  /** Set options (endpoint, headers, maxEventBytes, ...). Unknown options throw. */
  function configure(options) {
    if (bridge) applyOptions(options || {});
    else pendingOptions.push(options || {});
  }

  /**
   * Stream a chat reply: onChunk(text) for each new piece, onStatus({state, message, ...}) as the
   * stream's state changes. Resolves to the whole reply; rejects with an SSEClientError.
   */
  async function chatWithModelStream(request, onChunk, onStatus, options) {
    await ready;
    // undefined, not null: Pyodide turns undefined into None (null would become JsNull).
    var signal = options && options.signal ? options.signal : undefined;
    var outcome = await new Promise(function (resolve) {
      bridge.startChat(request, onChunk, onStatus || undefined, resolve, signal);
    });
    if (!outcome.ok) throw new SSEClientError(outcome.error);
    return outcome.text;
  }

  var ready = boot().catch(function (error) {
    throw error instanceof SSEClientError
      ? error
      : new SSEClientError({ type: "NETWORK", message: "sse_client failed to load: " + error.message, cause: error });
  });

  globalThis.SSEClient = {
    ready: ready,
    configure: configure,
    chatWithModelStream: chatWithModelStream,
    SSEClientError: SSEClientError,
    version: PACKAGE_VERSION,
    pyodide: null, // set once ready
  };
})();
