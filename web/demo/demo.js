// The demo chat: streams each reply into the page as it arrives, lets you break the mock backend
// on purpose, and shows every status the library reports on a timeline.
// Everything from the backend or the library goes onto the page as text (textContent, text
// nodes), never as HTML: a model's reply can hold markup.
(function () {
  "use strict";

  // Each fault is a set of the mock backend's query parameters (its docstring lists them all).
  // Faults hit the first attempt of a chat only (the backend counts attempts by the
  // Idempotency-Key the client repeats), so the client's recovery is what you see.
  var FAULTS = [
    { id: "none", label: "No fault", query: "" },
    { id: "slow", label: "Slow stream (time to cancel)", query: "delay_ms=150" },
    { id: "cut", label: "Cut the stream at byte 600", query: "cut_after_bytes=600" },
    { id: "503", label: "HTTP 503 once", query: "status=503" },
    { id: "429", label: "HTTP 429 with Retry-After: 2", query: "status=429&retry_after=2" },
    { id: "stall", label: "Stall after 5 events", query: "stall_after=5" },
    // Only the generic formats can stutter: a provider dialect streams deltas, and the mock
    // backend refuses stutter=1 for it.
    { id: "stutter", label: "Stuttering upstream (each chunk repeats the text so far)", query: "stutter=1", generic: true },
    { id: "json", label: "JSON-only backend (no stream)", query: "json=1" },
    // Attempt 1 and all 3 retries fail; the non-streaming fallback (attempt 5) succeeds.
    { id: "down", label: "HTTP 503 until retries run out, then the fallback", query: "status=503&fault_attempts=4" },
  ];
  var GENERIC = ["standard", "legacy", "openai", "raw"];

  // The library's defaults wait seconds (1 s backoff base, 45 s idle deadline); the demo
  // shortens them so that each fault plays out in a few seconds.
  SSEClient.configure({
    retry: { baseDelayMs: 500, factor: 2, maxDelayMs: 2000, maxRetries: 3, retryAfterCapMs: 5000, healthyAfterMs: 10000 },
    timeouts: { firstByteMs: 5000, idleMs: 2000, noProgressMs: 5000, totalMs: null },
  });

  var $ = function (id) { return document.getElementById(id); };
  var form = $("chat"), prompt = $("prompt"), send = $("send"), cancel = $("cancel");
  var format = $("format"), faultList = $("fault-list"), endpointText = $("endpoint");
  var conversation = $("conversation"), messages = $("messages"), typing = $("typing");
  var statusLine = $("status"), timeline = $("timeline");
  var history = [];
  var controller = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- The fault panel ---------------------------------------------------------------------

  FAULTS.forEach(function (fault, i) {
    var input = el("input");
    input.type = "radio";
    input.name = "fault";
    input.value = fault.id;
    input.id = "fault-" + fault.id;
    input.checked = i === 0;
    var label = el("label");
    label.appendChild(input);
    label.appendChild(document.createTextNode(" " + fault.label));
    faultList.appendChild(label);
  });

  function chosenFault() {
    var checked = faultList.querySelector("input:checked");
    return FAULTS.filter(function (f) { return f.id === checked.value; })[0];
  }

  function endpoint() {
    var query = "format=" + encodeURIComponent(format.value);
    var fault = chosenFault();
    return "/api/chat?" + query + (fault.query ? "&" + fault.query : "");
  }

  function syncPanel() {
    var generic = GENERIC.indexOf(format.value) !== -1;
    FAULTS.forEach(function (fault) {
      var input = $("fault-" + fault.id);
      input.disabled = fault.generic && !generic;
      if (input.disabled && input.checked) $("fault-none").checked = true;
    });
    endpointText.textContent = endpoint();
  }
  format.addEventListener("change", syncPanel);
  faultList.addEventListener("change", syncPanel);
  syncPanel();

  // --- Messages, auto-scroll, typing indicator ---------------------------------------------

  // Follow new text only while the reader is at the bottom: someone who scrolled up to read
  // must not be pulled back down by every chunk.
  function atBottom() {
    return conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 40;
  }
  function changeMessages(change, always) {
    var follow = always || atBottom();
    change();
    if (follow) conversation.scrollTop = conversation.scrollHeight;
  }

  // Sending is the reader's own act: it brings the conversation's end into view, wherever they were.
  function addMessage(role, text) {
    var item = el("li", role, text);
    changeMessages(function () { messages.appendChild(item); }, role === "user");
    return item;
  }

  function setTyping(on) {
    changeMessages(function () { typing.hidden = !on; });
  }

  // --- The timeline --------------------------------------------------------------------------

  var started = 0;
  var countdown = null; // the live countdown of a reconnect's wait, while there is one

  function seconds(ms) { return (ms / 1000).toFixed(1) + " s"; }

  function startCountdown(span, delayMs) {
    var from = performance.now();
    function tick() {
      var left = delayMs - (performance.now() - from);
      span.textContent = left > 0 ? "next try in " + seconds(left) : "trying again...";
    }
    tick();
    countdown = { span: span, from: from, timer: setInterval(tick, 100) };
  }

  // The next status ends the wait: the row then says how long it really was.
  function stopCountdown() {
    if (!countdown) return;
    clearInterval(countdown.timer);
    countdown.span.textContent = "waited " + seconds(performance.now() - countdown.from);
    countdown = null;
  }

  // The metrics the library may add to a chat's final status; shown if present, in this order,
  // with anything it adds later shown as it comes.
  var METRICS = {
    timeToFirstByteMs: ["first byte", "ms"], timeToFirstChunkMs: ["first chunk", "ms"],
    durationMs: ["duration", "ms"], chunks: ["chunks"], events: ["events"], bytes: ["bytes"],
    reconnects: ["reconnects"], retriesUsed: ["retries used"], fallbackUsed: ["fallback used"],
    stutterCorrections: ["stutter corrections"], eventsPerSecond: ["events/s"],
  };

  function metricValue(value, unit) {
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (typeof value !== "number") return String(value);
    if (unit === "ms") return value >= 10000 ? seconds(value) : Math.round(value) + " ms";
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  function renderMetrics(metrics) {
    var list = el("dl", "metrics");
    var keys = Object.keys(METRICS).filter(function (k) { return k in metrics; })
      .concat(Object.keys(metrics).filter(function (k) { return !(k in METRICS); }));
    keys.forEach(function (key) {
      var known = METRICS[key] || [key];
      var pair = el("div");
      pair.appendChild(el("dt", "", known[0]));
      pair.appendChild(el("dd", "", metricValue(metrics[key], known[1])));
      list.appendChild(pair);
    });
    return list;
  }

  function addTimelineRow(status) {
    stopCountdown();
    var row = el("li", status.warning ? "warning" : "");
    row.dataset.state = status.state;
    row.appendChild(el("span", "at", "+" + seconds(performance.now() - started)));
    row.appendChild(el("span", "state", status.source === "backend" ? "backend" : status.state));
    var detail = el("span", "detail");
    if (status.state === "reconnecting") {
      detail.appendChild(el("strong", "retry", "retry " + status.retry + " of " + status.maxRetries));
      var wait = el("span", "countdown");
      detail.appendChild(wait);
      startCountdown(wait, status.delayMs || 0);
    }
    // The error's type (TIMEOUT, RATE_LIMITED, ...) is what a developer looks for first.
    if (status.error && status.error.type && status.state !== "cancelled") {
      detail.appendChild(el("code", "error-type", status.error.type));
    }
    if (typeof status.progress === "number") detail.appendChild(el("span", "progress", Math.round(status.progress * 100) + "%"));
    row.appendChild(detail);
    row.appendChild(el("span", "message", status.message || ""));
    if (status.metrics && typeof status.metrics === "object") row.appendChild(renderMetrics(status.metrics));
    timeline.appendChild(row);
  }

  function onStatus(status) {
    statusLine.textContent = status.state + (status.message ? ": " + status.message : "");
    addTimelineRow(status);
    // Waiting for text again: a retry or the fallback is on its way.
    if (status.state === "reconnecting" || status.state === "fallback") setTyping(true);
  }

  // --- Booting: a real progress bar, the bytes of the download, then Python's steps ----------

  var bootBar = $("boot-bar"), bootText = $("boot-text");
  var PHASES = { start: "Starting Python...", "package": "Loading sse_client...", ready: "Ready.", failed: "Failed to load." };
  var stopProgress = SSEClient.onProgress(function (progress) {
    if (progress.phase === "download") {
      bootBar.value = progress.total ? progress.loaded / progress.total : 0;
      bootText.textContent = "Downloading the Python runtime: " + (progress.loaded / 1e6).toFixed(1) +
        " of " + (progress.total / 1e6).toFixed(1) + " MB";
    } else {
      if (progress.phase !== "failed") bootBar.value = 1;
      bootText.textContent = PHASES[progress.phase] || progress.phase;
    }
  });

  SSEClient.ready.then(function () {
    stopProgress();
    $("boot").hidden = true;
    send.disabled = false;
    statusLine.textContent = "Ready.";
  }, function (error) {
    stopProgress();
    bootText.textContent = "Failed to load: " + error.message;
  });

  // --- A chat --------------------------------------------------------------------------------

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = prompt.value.trim();
    if (!text || controller) return;
    history.push({ role: "user", content: text });
    addMessage("user", text);
    prompt.value = "";
    var reply = addMessage("assistant", "");
    var replyText = reply.appendChild(document.createTextNode(""));
    timeline.textContent = "";
    started = performance.now();
    setTyping(true);
    controller = new AbortController();
    send.disabled = true;
    cancel.disabled = false;
    try {
      var full = await SSEClient.chatWithModelStream(
        { model: "demo", messages: history },
        function (chunk) {
          setTyping(false);
          changeMessages(function () { replyText.data += chunk; });
        },
        onStatus,
        // Per-chat options: this chat's endpoint only, the configured retries and deadlines.
        { signal: controller.signal, endpoint: endpoint() });
      history.push({ role: "assistant", content: full });
    } catch (error) {
      // A chat that did not complete is not part of the conversation the model sees next.
      history.pop();
      // Cancelling is the user's choice, not an error: shown as such, what arrived is kept.
      var cancelled = error.type === "CANCELLED";
      reply.classList.add(cancelled ? "cancelled" : "error");
      changeMessages(function () {
        reply.appendChild(el("span", "note", cancelled ? "cancelled" : "[" + error.type + "] " + error.message));
      });
    } finally {
      stopCountdown();
      setTyping(false);
      controller = null;
      send.disabled = false;
      cancel.disabled = true;
    }
  });

  cancel.addEventListener("click", function () {
    if (controller) controller.abort();
  });
})();
