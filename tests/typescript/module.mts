// An ES module importing the module entry, dist/sse-client.mjs (web/dist/sse-client.d.mts
// beside it: tsconfig.json's rootDirs puts this directory and web/dist/ together).
// tests/unit/test_typescript.py type-checks it.

import SSEClient, {
  authFetch, chatWithModelStream, configure, onProgress, ready, SSEClientError, version,
} from "./sse-client.mjs";
import type { ClientOptions, ReaderEvent, Status } from "./sse-client.mjs";

const unsubscribe = onProgress(progress => console.log(progress.phase, progress.elapsedMs));
await ready;
unsubscribe();

const options: ClientOptions = { endpoint: "/api/chat", timeouts: { totalMs: 60000 }, format: "openai" };
configure(options);

const statuses: Status[] = [];
try {
  const reply: string = await chatWithModelStream(
    { model: "demo", messages: [{ role: "user", content: "Hello" }], temperature: 0.2 },
    chunk => console.log(chunk),
    status => { statuses.push(status); },
    { signal: AbortSignal.timeout(60000) });
  console.log(reply);
} catch (error) {
  if (error instanceof SSEClientError && error.type === "RATE_LIMITED") {
    console.log(`retry after ${error.retryAfter ?? 1} s`);
  }
}

const last = statuses[statuses.length - 1];
if (last && (last.state === "failed" || last.state === "cancelled")) console.log(last.error.type);

const reader = await authFetch("/api/chat", { method: "POST", body: "{}" }, { stream: true });
const events: ReaderEvent[] = [];
reader.on("error", error => console.log(error.type));
for await (const event of reader.readEvents()) events.push(event);
console.log(reader.isStreaming, await (await authFetch("/api/chat", {}, { stream: true })).readToCompletion({}));

console.log(version, SSEClient.build, SSEClient.mode, SSEClient === globalThis.SSEClient);
