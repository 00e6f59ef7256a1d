// A classic page script (no import or export) using the global that
// <script src="/any/path/dist/sse-client.js"></script> publishes, as README.md shows.
// tests/unit/test_typescript.py type-checks it against web/dist/sse-client.d.ts.

const out = document.getElementById("out") as HTMLElement;
const line = document.getElementById("line") as HTMLElement;

// The boot's progress, as the demo shows it.
const stopProgress: () => void = SSEClient.onProgress(progress => {
  if (progress.phase === "download") {
    const share: number = progress.total ? progress.loaded / progress.total : 0;
    line.textContent = `Downloading: ${Math.round(share * 100)}% after ${progress.elapsedMs} ms`;
  } else {
    const nothing: null = progress.loaded;
    line.textContent = progress.phase + String(nothing ?? "");
  }
});

function showStatus(status: SSEClient.Status): void {
  line.textContent = status.state + " " + (status.message ?? "");
  switch (status.state) {
    case "connecting":
      break;
    case "streaming":
      if (status.source === "backend" && status.progress != null) line.textContent += ` ${status.progress * 100}%`;
      if (status.warning) console.warn(status.message, status.reason ?? "");
      break;
    case "reconnecting": {
      const attempt: number = status.attempt;
      const retry: number = status.retry;
      const maxRetries: number = status.maxRetries;
      const waitMs: number = status.delayMs;
      const why: SSEClient.ErrorType = status.error.type;
      line.textContent += ` retry ${retry} of ${maxRetries} (attempt ${attempt}) in ${waitMs} ms (${why}, HTTP ${status.error.status ?? "-"})`;
      break;
    }
    case "fallback":
      if (status.error) line.textContent += ` after ${status.error.type}`;
      break;
    case "completed": {
      const length: number = status.length;
      line.textContent += ` ${length} characters`;
      break;
    }
    case "failed": {
      const kind: SSEClient.ErrorType = status.error.type;
      const retryable: boolean | undefined = status.error.retryable;
      line.textContent += ` ${kind} ${retryable}`;
      break;
    }
    case "cancelled":
      line.textContent += status.error.causes.length;
      break;
    default: {
      const never: never = status; // every state is handled above
      throw new Error(String(never));
    }
  }
}

async function chat(): Promise<void> {
  await SSEClient.ready;
  SSEClient.configure({ endpoint: "http://127.0.0.1:8000/api/chat" });
  SSEClient.configure({
    endpoint: "/api/chat",
    headers: { "X-Api-Key": "key" },
    maxEventBytes: 4194304,
    streaming: true,
    fallback: true,
    retry: { baseDelayMs: 1000, factor: 2, maxDelayMs: 8000, maxRetries: 3, retryAfterCapMs: 30000, healthyAfterMs: 10000 },
    timeouts: { firstByteMs: 30000, idleMs: 45000, noProgressMs: 120000, totalMs: null },
    circuit: { failureThreshold: 5, coolDownMs: 30000 },
    random: Math.random,
    getToken: async ({ forceRefresh }) => (forceRefresh ? "fresh-token" : "cached-token"),
    format: "auto",
  });
  SSEClient.configure({ getToken: () => null, format: "anthropic" });
  SSEClient.configure({ getToken: null });
  SSEClient.configure();

  const controller = new AbortController();
  try {
    const text: string = await SSEClient.chatWithModelStream(
      { model: "demo", messages: [{ role: "user", content: "Hello" }] },
      chunk => { out.textContent += chunk; },
      showStatus,
      { signal: controller.signal });
    console.log(text.length);
    // A chat's own options, over the configured ones for that chat only.
    await SSEClient.chatWithModelStream({ model: "demo", messages: [] }, chunk => console.log(chunk), null, {
      signal: controller.signal,
      endpoint: "https://other.example/v1/chat/completions",
      headers: { "X-Api-Key": "another-key" },
      format: "openai",
      retry: { maxRetries: 1 },
      timeouts: { idleMs: null },
    });
    // onStatus and the options may be left out.
    await SSEClient.chatWithModelStream({ model: "demo", messages: [] }, chunk => console.log(chunk));
  } catch (error) {
    if (error instanceof SSEClient.SSEClientError) {
      const kind: SSEClient.ErrorType = error.type;
      const retryable: boolean = error.retryable;
      const status: number | null = error.status;
      const attempt: number | null = error.attempt;
      const retryAfter: number | null = error.retryAfter;
      const causes: SSEClient.SSEClientError[] = error.causes;
      if (kind === "MAX_RETRIES_EXCEEDED") causes.forEach(cause => console.log(cause.type, cause.message));
      console.log(error.message, retryable, status, attempt, retryAfter);
    }
  }

  // A made-up error of the same class, as a test might throw.
  const made = new SSEClient.SSEClientError({ type: "TIMEOUT", message: "slow", retryable: true });
  console.log(made instanceof Error, made.name);

  // The lower-level API: a plain fetch with the configured headers and token...
  const response: Response = await SSEClient.authFetch("/api/models");
  console.log(response.status, await SSEClient.authFetch(new URL("/api/models", location.href), { method: "GET" }));

  // ...or the reader of one event stream.
  const reader = await SSEClient.authFetch("/api/chat", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: "demo", messages: [], stream: true }),
  }, { stream: true, onEvent: event => console.log(event.type), onError: err => console.log(err.type), signal: controller.signal });
  for await (const event of reader.readEvents()) {
    switch (event.type) {
      case "chunk": out.textContent += event.content; console.log(event.index ?? -1, event.id); break;
      case "status": console.log(event.message, event.progress); break;
      case "complete": console.log(event.finalResponse ?? ""); break;
      case "error": console.log(event.code, event.message, event.error.type); break;
      case "malformed": console.log(event.reason, event.data); break;
      default: { const never: never = event; throw new Error(String(never)); }
    }
  }
  console.log(reader.bytesReceived + reader.eventsReceived, reader.isStreaming);
  reader.cancel();

  // A reader read to its end, with listeners.
  const second = await SSEClient.authFetch("/api/chat", { method: "POST", body: "{}" }, { stream: true });
  const offChunk: () => void = second.on("chunk", event => console.log(event.content, event.index));
  second.on("status", event => console.log(event.message, event.progress));
  second.on("error", error => console.log(error.type, error.retryable));
  second.on("complete", () => console.log("done"));
  const whole: string = await second.readToCompletion({
    onChunk: content => { out.textContent += content; },
    onStatus: event => { line.textContent = event.message; },
  });
  offChunk();
  console.log(whole, await (await SSEClient.authFetch("/api/chat", null, { stream: true })).readToCompletion());

  // The rest of the API object.
  const version: string = SSEClient.version;
  const build: string = SSEClient.build;
  const mode: "page" | "worker" | "host" = SSEClient.mode;
  const fromSnapshot: boolean = SSEClient.fromSnapshot;
  console.log(version, build, mode, fromSnapshot, SSEClient.snapshotError?.message, SSEClient.pyodide);
  stopProgress();
}

chat().catch(console.error);
