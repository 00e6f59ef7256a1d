// The demo chat: streams each reply into the page as text (never as HTML) as it arrives.
(function () {
  "use strict";
  var form = document.getElementById("chat");
  var prompt = document.getElementById("prompt");
  var send = document.getElementById("send");
  var cancel = document.getElementById("cancel");
  var format = document.getElementById("format");
  var stutter = document.getElementById("stutter");
  var messages = document.getElementById("messages");
  var statusLine = document.getElementById("status");
  var history = [];
  var controller = null;
  // Only the generic formats can stutter: a provider dialect streams deltas, and the mock
  // backend refuses stutter=1 for it.
  var STUTTERING = ["standard", "legacy", "openai", "raw"];

  function syncStutter() {
    var allowed = STUTTERING.indexOf(format.value) !== -1;
    stutter.disabled = !allowed;
    if (!allowed) stutter.checked = false;
  }
  format.addEventListener("change", syncStutter);
  syncStutter();

  function addMessage(role, text) {
    var item = document.createElement("li");
    item.className = role;
    item.textContent = text;
    messages.appendChild(item);
    return item;
  }

  function showStatus(status) {
    statusLine.textContent = status.state + (status.message ? ": " + status.message : "");
  }

  // A real progress bar while the runtime boots: the bytes of the download, then Python's steps.
  var bootBar = document.getElementById("boot-bar");
  var bootText = document.getElementById("boot-text");
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
    document.getElementById("boot").hidden = true;
    send.disabled = false;
    statusLine.textContent = "Ready.";
  }, function (error) {
    stopProgress();
    bootText.textContent = "Failed to load: " + error.message;
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = prompt.value.trim();
    if (!text || controller) return;
    history.push({ role: "user", content: text });
    addMessage("user", text);
    prompt.value = "";
    var reply = addMessage("assistant", "");
    var query = "?format=" + encodeURIComponent(format.value) + (stutter.checked ? "&stutter=1" : "");
    SSEClient.configure({ endpoint: "/api/chat" + query });
    controller = new AbortController();
    send.disabled = true;
    cancel.disabled = false;
    try {
      var full = await SSEClient.chatWithModelStream(
        { model: "demo", messages: history },
        function (chunk) { reply.textContent += chunk; },
        showStatus,
        { signal: controller.signal });
      history.push({ role: "assistant", content: full });
    } catch (error) {
      reply.classList.add("error");
      reply.textContent += (reply.textContent ? "\n" : "") + "[" + error.type + "] " + error.message;
    } finally {
      controller = null;
      send.disabled = false;
      cancel.disabled = true;
    }
  });

  cancel.addEventListener("click", function () {
    if (controller) controller.abort();
  });
})();
