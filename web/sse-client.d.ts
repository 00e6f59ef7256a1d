/*
 * TypeScript declarations of sse_client's JavaScript API: the `SSEClient` global that
 * `dist/sse-client.js` (the script tag) and `dist/sse-client.mjs` (the ES module) publish.
 *
 *   /// <reference path="/any/path/dist/sse-client.d.ts" />   (or list it in tsconfig's "files")
 *   await SSEClient.ready;
 *   const text = await SSEClient.chatWithModelStream(request, chunk => { ... }, status => { ... });
 *
 * The types are in the namespace of the same name: `SSEClient.Status`, `SSEClient.ClientOptions`,
 * `SSEClient.SSEClientError`, ... An ES module importing "./sse-client.mjs" gets them from
 * `sse-client.d.mts`, beside it, which refers to this file.
 *
 * Needs the DOM (or WebWorker) lib and ES2018 or later (async iteration).
 *
 * This file is a script (no import or export): it declares globals only. Its names are checked
 * against the code by tests/unit/test_typescript.py (the options of sse_client/config.py, the
 * states of sse_client/lifecycle.py, the error types of sse_client/errors.py, the events of
 * sse_client/formats/events.py, the members of web/sse-client.js's `api` and reader).
 */

/** The API of sse_client, on `globalThis.SSEClient` once `sse-client.js` (or `.mjs`) has run. */
declare var SSEClient: SSEClient.SSEClientAPI;

declare namespace SSEClient {
  // ---- The API object -----------------------------------------------------------------------

  interface SSEClientAPI {
    /** Resolves once Pyodide and the package are loaded; rejects with an SSEClientError
     * (`NETWORK`, or `CLIENT` for an unknown boot option) if they cannot be. */
    readonly ready: Promise<void>;

    /** Set options; options not given keep their values. An unknown or invalid option throws a
     * `CLIENT` SSEClientError (called before `ready`, or in worker mode, the next chat or
     * authFetch rejects with it instead). */
    configure(options?: ClientOptions | null): void;

    /** POST `request` with `"stream": true`, call `onChunk(text)` with each new piece of the
     * reply and `onStatus(status)` at each transition; resolves to the whole reply, rejects with
     * an SSEClientError. */
    chatWithModelStream(
      request: ChatRequest,
      onChunk: (text: string) => void,
      onStatus?: ((status: Status) => void) | null,
      options?: ChatOptions | null,
    ): Promise<string>;

    /** With `options.stream: true`: the reader of one event stream's normalised events (no
     * retries, no fallback); rejects with an SSEClientError when the answer is not one. */
    authFetch(url: string | URL, init: StreamInit | null | undefined, options: StreamOptions): Promise<EventStreamReader>;
    /** `fetch(url, init)` with the configured headers and token (one forced token refresh and
     * the request again on a 401); the answer is fetch's own Response. */
    authFetch(url: string | URL, init?: RequestInit | null, options?: FetchOptions | null): Promise<Response>;

    /** Hear each phase of the boot (a late listener hears the latest at once); returns the
     * function that unsubscribes. */
    onProgress(listener: (progress: Progress) => void): () => void;

    /** Running totals of this page's chats, from their final statuses' `metrics` (a copy). In
     * worker mode too: the page keeps them from the relayed statuses. */
    metrics(): MetricsTotals;

    /** The class of every error the API rejects (or throws) with. */
    readonly SSEClientError: SSEClientErrorConstructor;

    /** The package's version (pyproject.toml), e.g. "0.1.0". */
    readonly version: string;
    /** A hash of the bundle's content: changes with every rebuild that changes anything. */
    readonly build: string;
    /** How Python was booted: `data-boot` of the script tag, or `?boot=` of the module's URL;
     * "host" in the worker itself. */
    readonly mode: BootMode;

    /** The Pyodide runtime once `ready` (null before, and with the worker boot, where the
     * runtime is in the worker). Typed `unknown`: cast it to Pyodide's own `PyodideInterface`. */
    pyodide: unknown;
    /** True once `ready` if Python was restored from the bundle's memory snapshot. */
    fromSnapshot: boolean;
    /** Once `ready`: why a snapshot that was there could not be used, else null. */
    snapshotError: Error | null;
  }

  /** configure({ streaming }). */
  type StreamingMode = "auto" | "always" | "never";

  /** "page": Python on the page's thread (the default); "worker": in a Web Worker; "host": the
   * copy inside that worker. */
  type BootMode = "page" | "worker" | "host";

  // ---- configure() ----------------------------------------------------------------------------

  /** `configure()`'s options (sse_client/config.py). Times are milliseconds. */
  interface ClientOptions {
    /** Where chats are POSTed, relative to the page or absolute. Default "/api/chat". */
    endpoint?: string;
    /** Extra request headers, e.g. `{ "X-Api-Key": "..." }`; their values are redacted from
     * everything handed to the page. */
    headers?: Readonly<Record<string, string>>;
    /** The largest event accepted; a larger one fails the stream with `PARSE`. Default 4194304. */
    maxEventBytes?: number;
    /** "auto" (the default): stream if this browser is in the rollout (`rolloutPercent`);
     * "always": stream; "never": the non-streaming request only. `true` is "auto", `false`
     * "never". */
    streaming?: StreamingMode | boolean;
    /** With `streaming: "auto"`: the share of browsers (0-100) that stream, by their bucket;
     * the others use the non-streaming request only. Default 100. */
    rolloutPercent?: number;
    /** This browser's bucket (0-99): it is in the rollout when its bucket is below
     * `rolloutPercent`. The loader draws one and keeps it in localStorage
     * ("sse-client.rolloutBucket"); set it to pin one. null: none known (only 100 streams). */
    rolloutBucket?: number | null;
    /** true: log each status and a summary line per chat (with its metrics) to the console;
     * statuses are redacted, so no token or header value is logged. Default false. */
    debug?: boolean;
    /** false: never fall back to the non-streaming request. Default true. */
    fallback?: boolean;
    /** The reconnect policy: exponential backoff with full jitter. */
    retry?: RetryOptions;
    /** The heartbeat deadlines of each attempt; null switches one off. */
    timeouts?: TimeoutOptions;
    /** The circuit breaker across chats. */
    circuit?: CircuitOptions;
    /** The jitter's random source, returning a number in [0, 1). Default `Math.random`. Not
     * available with the worker boot. */
    random?: () => number;
    /** Asked for a token before every request (reconnects included), sent as
     * `Authorization: Bearer <token>`; after a 401 asked once more with `forceRefresh: true`.
     * null removes it. */
    getToken?: GetToken | null;
    /** The stream's dialect: "auto" (detect it, the default) or one to force. */
    format?: Format;
  }

  interface RetryOptions {
    /** The cap of the first retry's delay. Default 1000. */
    baseDelayMs?: number;
    /** How much the cap grows with each retry (>= 1). Default 2. */
    factor?: number;
    /** The largest cap. Default 8000. */
    maxDelayMs?: number;
    /** Retries after the first attempt (0: never). Default 3. */
    maxRetries?: number;
    /** A server's `Retry-After` is honoured up to this. Default 30000. */
    retryAfterCapMs?: number;
    /** Healthy streaming after which the retry budget starts again. Default 10000. */
    healthyAfterMs?: number;
  }

  interface TimeoutOptions {
    /** From the request to the first byte of the body. Default 30000. */
    firstByteMs?: number | null;
    /** With no bytes at all (keep-alive comments count as life). Default 45000. */
    idleMs?: number | null;
    /** With bytes but no content. Default 120000. */
    noProgressMs?: number | null;
    /** The whole attempt. Default null (off). */
    totalMs?: number | null;
  }

  interface CircuitOptions {
    /** Consecutive chats whose streaming could not recover that open the circuit. Default 5. */
    failureThreshold?: number;
    /** How long the open circuit sends chats straight to the fallback. Default 30000. */
    coolDownMs?: number;
  }

  /** `getToken`'s one argument. */
  interface TokenRequest {
    /** True once after the backend refused the last token (HTTP 401): ask anew, not a cache. */
    forceRefresh: boolean;
  }

  /** A token, or null, undefined or "" for none (no Authorization header). */
  type Token = string | null | undefined;

  /** A token provider; one that throws or rejects fails the request with `AUTH`. */
  type GetToken = (request: TokenRequest) => Token | PromiseLike<Token>;

  /** What `configure({ format })` accepts (sse_client/formats/registry.py). */
  type Format =
    | "auto"
    | "standard"
    | "openai"
    | "responses"
    | "anthropic"
    | "vercel"
    | "gemini"
    | "tgi"
    | "llamacpp"
    | "legacy"
    | "langserve"
    | "raw";

  // ---- chatWithModelStream() ------------------------------------------------------------------

  /** The request body: any object JSON can carry (`{ model, messages, ... }`, whatever the
   * backend reads); sent with `"stream": true`. A `Date`, a function or a cycle in it rejects
   * with `CLIENT` before anything is sent. */
  type ChatRequest = object;

  /** A chat's own options: but for `signal`, they override the configured ones for this chat
   * only, checked as `configure()` checks them (a bad one rejects with the same `CLIENT` error,
   * before anything is sent). */
  interface ChatOptions {
    /** Aborting it aborts the fetch, cancels every timer and retry, reports `cancelled` and
     * rejects with `CANCELLED`. */
    signal?: AbortSignal | null;
    /** Where this chat is POSTed, instead of the configured endpoint. */
    endpoint?: string;
    /** Merged over the configured headers (a name in any letter case replaces the configured
     * one); their values are redacted like the configured ones. */
    headers?: Readonly<Record<string, string>>;
    /** This chat's stream dialect. */
    format?: Format;
    /** Merged field by field over the configured retry policy. */
    retry?: RetryOptions;
    /** Merged field by field over the configured deadlines. */
    timeouts?: TimeoutOptions;
  }

  // ---- Statuses: onStatus(status), one per transition ---------------------------------------

  /** Every status `onStatus` hears, told apart by `state`. */
  type Status =
    | ConnectingStatus
    | StreamingStatus
    | ReconnectingStatus
    | FallbackStatus
    | CompletedStatus
    | FailedStatus
    | CancelledStatus;

  type State = Status["state"];

  /** The states a chat ends in: `onStatus` hears one of them last. */
  type TerminalState = "completed" | "failed" | "cancelled";

  interface ConnectingStatus {
    state: "connecting";
    message: string;
  }

  /** The response is an event stream. Reported once when it starts; the backend's own status
   * events come in this state too (`source: "backend"`, with `progress`), and so do warnings
   * (`warning: true`), such as a skipped malformed frame's (with its `reason`). */
  interface StreamingStatus {
    state: "streaming";
    message: string;
    /** A backend status's progress, if it gave one. */
    progress?: number | null;
    source?: "backend";
    warning?: true;
    /** Why a frame was skipped, for developers (the message is the user's). */
    reason?: string;
  }

  /** About to wait `delayMs`, then make attempt number `attempt`, because of `error`: retry
   * `retry` of `maxRetries` ("retry 1 of 3"; it starts again at 1 after a healthy stretch of
   * streaming, while `attempt` goes on counting). */
  interface ReconnectingStatus {
    state: "reconnecting";
    /** Whole sentences: the error's, then "Reconnecting (retry 1 of 3)...". */
    message: string;
    attempt: number;
    /** Which retry this is, from 1. */
    retry: number;
    /** The retries allowed (`retry.maxRetries`). */
    maxRetries: number;
    delayMs: number;
    error: ErrorInfo;
  }

  /** Fetching the whole reply with one non-streaming request; `error` is what made streaming
   * give up, null when it was not tried (`streaming: false`, the circuit open). */
  interface FallbackStatus {
    state: "fallback";
    message: string;
    error: ErrorInfo | null;
  }

  interface CompletedStatus {
    state: "completed";
    message: string;
    /** The length of the whole reply as JavaScript counts it (UTF-16 code units): the
     * resolved text's `.length`. */
    length: number;
    metrics: ChatMetrics;
  }

  interface FailedStatus {
    state: "failed";
    message: string;
    /** Every field of ErrorInfo; only `type` and `message` for a chat refused before it started
     * (invalid arguments or options). */
    error: Pick<ErrorInfo, "type" | "message"> & Partial<ErrorInfo>;
    /** Absent for a chat refused before it started, and in worker mode for one stopped on the
     * page because a callback threw. */
    metrics?: ChatMetrics;
  }

  interface CancelledStatus {
    state: "cancelled";
    message: string;
    error: ErrorInfo;
    metrics: ChatMetrics;
  }

  // ---- Metrics --------------------------------------------------------------------------------

  /** What one chat did, on its final status (sse_client/metrics.py). Times are milliseconds
   * from the call, measured in Python. */
  interface ChatMetrics {
    /** The first byte of a response body (streamed, or the fallback's); null if none came. */
    timeToFirstByteMs: number | null;
    /** The first onChunk call; null if there was none. */
    timeToFirstChunkMs: number | null;
    durationMs: number;
    /** onChunk calls. */
    chunks: number;
    /** Server-sent events read, over every attempt. */
    events: number;
    /** Body bytes read, over every attempt and the fallback. */
    bytes: number;
    /** `reconnecting` statuses. */
    reconnects: number;
    /** The retry budget used when the chat ended (it starts again after a healthy stretch). */
    retriesUsed: number;
    /** Whether the non-streaming request was made (or the server answered with JSON). */
    fallbackUsed: boolean;
    /** Chunks of a cumulative ("stuttering") upstream cut back to their new text. */
    stutterCorrections: number;
    /** events / durationMs in seconds; 0 for a chat that took no time. */
    eventsPerSecond: number;
  }

  /** What applies of ChatMetrics to a stream of `authFetch` (`reader.metrics`). */
  type StreamMetrics = Pick<ChatMetrics, "timeToFirstByteMs" | "durationMs" | "events" | "bytes" | "eventsPerSecond">;

  /** `SSEClient.metrics()`: totals over the chats of this page that have ended. Averages are a
   * sum over its count: `durationMs / measured`, `timeToFirstByteMs / timeToFirstByteChats`. */
  interface MetricsTotals {
    /** Chats that ended, refused ones included. */
    chats: number;
    completed: number;
    failed: number;
    cancelled: number;
    /** Chats whose final status had metrics (all but those refused before they started). */
    measured: number;
    chunks: number;
    events: number;
    bytes: number;
    reconnects: number;
    retriesUsed: number;
    /** Chats that used the fallback. */
    fallbacks: number;
    stutterCorrections: number;
    /** Sum over the measured chats. */
    durationMs: number;
    /** Sum over the chats that had a first byte (`timeToFirstByteChats`). */
    timeToFirstByteMs: number;
    timeToFirstByteChats: number;
    /** Sum over the chats that had a first chunk (`timeToFirstChunkChats`). */
    timeToFirstChunkMs: number;
    timeToFirstChunkChats: number;
  }

  // ---- Errors ---------------------------------------------------------------------------------

  /** The kinds of failure (sse_client/errors.py, StreamErrorType). */
  type ErrorType =
    | "NETWORK"
    | "TIMEOUT"
    | "SERVER"
    | "PARSE"
    | "CANCELLED"
    | "MAX_RETRIES_EXCEEDED"
    | "AUTH"
    | "RATE_LIMITED"
    | "CLIENT";

  /** An error as plain data, in statuses (StreamError.to_dict). */
  interface ErrorInfo {
    type: ErrorType;
    /** Fit to show a user. */
    message: string;
    retryable: boolean;
    /** The HTTP status, if any. */
    status: number | null;
    attempt: number | null;
    /** The underlying error, for developers. */
    cause: string | null;
    /** Seconds a server asked to wait (`Retry-After`). */
    retryAfter: number | null;
    /** For MAX_RETRIES_EXCEEDED: every failed attempt (and the fallback), in order. */
    causes: ErrorInfo[];
  }

  /** The error every failed call rejects with; `message` is fit to show a user, `cause` (the
   * standard Error one) keeps the underlying error. */
  interface SSEClientError extends Error {
    type: ErrorType;
    retryable: boolean;
    /** The HTTP status, if any. */
    status: number | null;
    attempt: number | null;
    /** Seconds a server asked to wait (`Retry-After`). */
    retryAfter: number | null;
    /** For MAX_RETRIES_EXCEEDED: every failed attempt (and the fallback), in order. */
    causes: SSEClientError[];
  }

  /** What the SSEClientError constructor takes. */
  interface SSEClientErrorInit {
    type: ErrorType;
    message?: string;
    retryable?: boolean;
    status?: number | null;
    attempt?: number | null;
    retryAfter?: number | null;
    causes?: SSEClientErrorInit[];
    cause?: unknown;
  }

  interface SSEClientErrorConstructor {
    new (info: SSEClientErrorInit): SSEClientError;
    readonly prototype: SSEClientError;
  }

  // ---- authFetch() ----------------------------------------------------------------------------

  /** The init of a streaming authFetch: a method, headers and a string body (JSON.stringify an
   * object first). */
  interface StreamInit {
    method?: string;
    headers?: HeadersInit;
    body?: string | null;
  }

  interface StreamOptions {
    stream: true;
    /** Called with each event as well, before the reader hands it over; one that throws stops
     * the stream with a `CLIENT` error. */
    onEvent?: (event: ReaderEvent) => void;
    /** Called with the error the stream ends with, if it does not end well. */
    onError?: (error: SSEClientError) => void;
    /** Cancels like `reader.cancel()`. */
    signal?: AbortSignal | null;
  }

  interface FetchOptions {
    stream?: false | null;
  }

  /** What `authFetch(url, init, { stream: true })` resolves to: the events of one stream, in
   * order. Read them one way, `readEvents()` or `readToCompletion()`; `on()` listeners and the
   * options' onEvent/onError hear them whichever way they are read. */
  interface EventStreamReader {
    /** Bytes of the body read so far. */
    readonly bytesReceived: number;
    /** Events read so far. */
    readonly eventsReceived: number;
    /** Once the stream ended (opened, then ended, failed or was cancelled): its measures. */
    readonly metrics: StreamMetrics | null;
    /** True from the moment the stream opened until it ended, failed or was cancelled. */
    readonly isStreaming: boolean;
    /** Stop reading and abort the request; readEvents() then ends without an error. */
    cancel(): void;
    /** The normalised events; `break` out of `for await` cancels. Rejects with the
     * SSEClientError the stream failed with. */
    readEvents(): AsyncIterableIterator<ReaderEvent>;
    /** Read the stream to its end and resolve to its text (the chunks' contents, joined).
     * Rejects with an SSEClientError: the stream's failure, the first error event inside it,
     * CANCELLED if it was cancelled first, CLIENT if a callback throws. */
    readToCompletion(callbacks?: ReadCallbacks | null): Promise<string>;
    /** Listen to "chunk" and "status" events, "error" (each error event inside the stream and
     * the failure it ends with, as an SSEClientError) or "complete" (once, when it ended with no
     * error and was not cancelled). Returns the function that unsubscribes. */
    on<K extends keyof ReaderListeners>(type: K, listener: ReaderListeners[K]): () => void;
  }

  /** `readToCompletion()`'s callbacks. */
  interface ReadCallbacks {
    /** Each chunk's text. */
    onChunk?: ((content: string) => void) | null;
    /** Each status event from the backend. */
    onStatus?: ((event: StatusEvent) => void) | null;
  }

  /** What `reader.on(type, listener)` listens to, and its listener for each. */
  interface ReaderListeners {
    chunk: (event: ChunkEvent) => void;
    status: (event: StatusEvent) => void;
    error: (error: SSEClientError) => void;
    complete: () => void;
  }

  /** A normalised event of the stream (sse_client/formats/events.py), told apart by `type`. */
  type ReaderEvent = ChunkEvent | StatusEvent | CompleteEvent | ErrorReportEvent | MalformedEvent;

  type ReaderEventType = ReaderEvent["type"];

  /** New text of the reply. */
  interface ChunkEvent {
    type: "chunk";
    content: string;
    /** The standard format's chunk index, if it has one. */
    index: number | null;
    /** The SSE id in force when it arrived ("" for none). */
    id: string;
  }

  /** Progress for the user, from the backend. */
  interface StatusEvent {
    type: "status";
    message: string;
    progress: number | null;
    id: string;
  }

  /** The reply is finished; `finalResponse` is its whole text when the backend sends it. */
  interface CompleteEvent {
    type: "complete";
    finalResponse: string | null;
    id: string;
  }

  /** An error the backend reported inside the stream, with the provider's own code. */
  interface ErrorReportEvent {
    type: "error";
    code: string;
    message: string;
    id: string;
    /** Its classification, as a chat's would be (RATE_LIMITED, AUTH, SERVER, ...). */
    error: SSEClientError;
  }

  /** A frame that could not be understood and was skipped; the stream goes on. */
  interface MalformedEvent {
    type: "malformed";
    reason: string;
    data: string;
    id: string;
  }

  // ---- onProgress() ---------------------------------------------------------------------------

  /** The phases of the boot, in order; it ends in "ready" or "failed". */
  type ProgressPhase = "download" | "start" | "package" | "ready" | "failed";

  type Progress = DownloadProgress | PhaseProgress;

  /** The runtime's download: `loaded` of `total` bytes. */
  interface DownloadProgress {
    phase: "download";
    loaded: number;
    total: number;
    /** Since the loader started. */
    elapsedMs: number;
  }

  /** "start" (Python starting), "package" (importing sse_client), "ready" or "failed". */
  interface PhaseProgress {
    phase: Exclude<ProgressPhase, "download">;
    loaded: null;
    total: null;
    elapsedMs: number;
  }
}
