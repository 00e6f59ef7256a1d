// Wrong uses of the API that the declarations must reject: tests/unit/test_typescript.py runs tsc
// over this file and expects an error on exactly the lines marked `// rejected: TS<code>`, with
// that code, and on no other line. (A classic script, like ../page.ts.)

async function wrong(controller: AbortController): Promise<void> {
  await SSEClient.chatWithModelStream({ model: "demo" }, () => {}, status => {
    if (status.state === "done") return; // rejected: TS2367
    console.log(status.attempt); // rejected: TS2339
    if (status.state === "reconnecting") console.log(status.length); // rejected: TS2339
  });
  SSEClient.configure({ endpiont: "/api/chat" }); // rejected: TS2561
  SSEClient.configure({ retry: { maxRetry: 3 } }); // rejected: TS2353
  SSEClient.configure({ retry: { maxRetries: null } }); // rejected: TS2322
  SSEClient.configure({ timeouts: { idleMs: "45s" } }); // rejected: TS2322
  SSEClient.configure({ format: "openAI" }); // rejected: TS2820
  SSEClient.configure({ getToken: () => 42 }); // rejected: TS2322
  SSEClient.configure({ endpoint: undefined }); // rejected: TS2379
  await SSEClient.chatWithModelStream("Hello", () => {}); // rejected: TS2345
  await SSEClient.chatWithModelStream({}, () => {}, null, controller.signal); // rejected: TS2559
  await SSEClient.chatWithModelStream({}, () => {}, null, { signal: controller.signal, timeoutMs: 5 }); // rejected: TS2561
  await SSEClient.chatWithModelStream({}, () => {}, null, { circuit: { failureThreshold: 1 } }); // rejected: TS2353
  await SSEClient.chatWithModelStream({}, () => {}, null, { retry: { maxRetries: "1" } }); // rejected: TS2322
  try {
    await SSEClient.ready;
  } catch (error) {
    if (error instanceof SSEClient.SSEClientError && error.type === "OOPS") return; // rejected: TS2367
  }
  const response = await SSEClient.authFetch("/api/models");
  response.readEvents(); // rejected: TS2339
  const reader = await SSEClient.authFetch("/api/chat", { body: {} }, { stream: true }); // rejected: TS2769
  reader.on("end", () => {}); // rejected: TS2345
  for await (const event of reader.readEvents()) {
    if (event.type === "text") return; // rejected: TS2367
  }
  SSEClient.onProgress(progress => progress.phase === "loading"); // rejected: TS2367
  if (SSEClient.mode === "module") return; // rejected: TS2367
  SSEClient.version = "2"; // rejected: TS2540
}

wrong(new AbortController()).catch(console.error);
