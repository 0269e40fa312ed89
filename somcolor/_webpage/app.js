// The page of `somcolor serve`: sends each photograph to the server, one at a
// time, and shows grey / colorized / original side by side. Every text that
// comes from a file name or the server is set with textContent, never as HTML.
"use strict";

const page = {
  config: null,
  items: [], // {file, card, result, queued}
  queue: [],
  busy: false,
};

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    node.setAttribute(key, value);
  }
  if (text !== null) node.textContent = text;
  return node;
}

function megabytes(bytes) {
  return (bytes / 1048576).toLocaleString("en", { maximumFractionDigits: 1 });
}

function showMessage(text) {
  const message = $("message");
  message.textContent = text;
  message.hidden = !text;
}

function currentModel() {
  return page.config.models.find((m) => m.name === $("model").value);
}

function effectiveDecoding() {
  const chosen = $("decoding").value;
  return chosen || (currentModel().options.decoding ?? "");
}

function modelTemperature() {
  return currentModel().options.temperature;
}

function updateOptions() {
  const options = currentModel().options;
  $("decoding-label").hidden = !("decoding" in options);
  const soft = effectiveDecoding() === "soft" && "temperature" in options;
  $("temperature-label").hidden = !soft;
  // "The model's own setting" blends as the model does: its own amount, shown
  // but not changeable (choose "blended" to change it).
  const own = $("decoding").value === "";
  if (own && modelTemperature() !== undefined) {
    $("temperature").value = modelTemperature();
  }
  $("temperature").disabled = own;
  $("temperature-value").textContent = Number($("temperature").value).toFixed(2);
  $("again").disabled = !page.items.some((item) => item.sendable);
}

function modelChanged() {
  if (modelTemperature() !== undefined) {
    $("temperature").value = modelTemperature();
  }
  updateOptions();
}

async function loadConfig() {
  const response = await fetch("/api/config");
  page.config = await response.json();
  const select = $("model");
  for (const model of page.config.models) {
    select.append(element("option", { value: model.name }, model.name));
  }
  const limits = page.config.limits;
  $("limits").textContent =
    `Up to ${limits.max_files} photographs at a time, ` +
    `${megabytes(limits.max_upload_bytes)} MB and ` +
    `${(limits.max_pixels / 1e6).toLocaleString("en")} megapixels each.`;
  $("version").textContent = `somcolor ${page.config.version}`;
  modelChanged();
  document.body.dataset.ready = "true";
}

function newCard(name) {
  const card = element("article", { class: "result", "data-state": "waiting" });
  card.append(element("h2", {}, name));
  card.append(element("p", { class: "status" }, "waiting…"));
  // In the order chosen, which is the order they are colorized in.
  $("results").append(card);
  return card;
}

function setState(item, state, text) {
  item.card.dataset.state = state;
  item.card.querySelector(".status").textContent = text;
}

function showError(item, text) {
  for (const old of item.card.querySelectorAll(".pictures, .quality, .download")) {
    old.remove();
  }
  setState(item, "error", "not colorized");
  let error = item.card.querySelector(".error");
  if (!error) {
    error = element("p", { class: "error", role: "alert" });
    item.card.append(error);
  }
  error.textContent = text;
}

function figure(kind, url, caption) {
  const box = element("figure", { class: kind });
  const image = element("img", { src: url, alt: `${caption} picture` });
  box.append(image, element("figcaption", {}, caption));
  return box;
}

function coloursInWords(options) {
  if (options.decoding === "soft") {
    const amount = options.temperature === undefined ? "" :
      ` (blending ${options.temperature.toFixed(2)})`;
    return `colours blended${amount}`;
  }
  if (options.decoding === "argmax") return "bold colours";
  return "the model's own colours";
}

function showResult(item, result) {
  item.result = result;
  for (const old of item.card.querySelectorAll(".pictures, .quality, .download, .error")) {
    old.remove();
  }
  const pictures = element("div", { class: "pictures" });
  pictures.append(figure("grey", result.images.grey, "grey"));
  pictures.append(figure("colorized", result.images.colorized, "colorized"));
  if (result.images.original) {
    pictures.append(figure("original", result.images.original, "original"));
  }
  let quality;
  if (result.ciede2000 !== null) {
    const closer = result.ciede2000 < result.grey_ciede2000;
    quality =
      `Difference from the original colours: ${result.ciede2000.toFixed(2)}; ` +
      `plain grey would be ${result.grey_ciede2000.toFixed(2)} ` +
      "(lower is closer; below about 2 it is hard to see; the measure is CIEDE2000). " +
      (closer
        ? "These colours are closer to the original than plain grey."
        : "These colours are further from the original than plain grey: " +
          "the model guessed colours that are not there.");
  } else {
    quality = "A grey photograph: no original to compare with.";
  }
  quality += ` ${result.width}×${result.height} pixels, model ${result.model}, ` +
    `${coloursInWords(result.options)}, ${result.seconds.toFixed(1)} s.`;
  const link = element(
    "a",
    { class: "download button", href: result.download, download: result.download_name },
    `Download ${result.download_name}`,
  );
  item.card.append(pictures, element("p", { class: "quality" }, quality), link);
  setState(item, "done", "colorized");
}

async function colorize(item) {
  setState(item, "working", "colorizing…");
  const form = new FormData();
  form.append("file", item.file, item.file.name);
  form.append("model", $("model").value);
  if ($("decoding").value) form.append("decoding", $("decoding").value);
  // With the model's own setting, nothing is sent: the model's own amount.
  if ($("decoding").value === "soft" && "temperature" in currentModel().options) {
    form.append("temperature", $("temperature").value);
  }
  let response;
  try {
    response = await fetch("/api/colorize", { method: "POST", body: form });
  } catch (error) {
    showError(item, `${item.file.name}: the server could not be reached ` +
      "(is somcolor serve still running?).");
    return;
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch (error) {
    answer = null;
  }
  if (!response.ok || answer === null || answer.error) {
    const reason = answer && answer.error ? answer.error : `the server answered ${response.status}`;
    showError(item, reason);
    return;
  }
  showResult(item, answer);
}

async function pump() {
  if (page.busy) return;
  page.busy = true;
  while (page.queue.length) {
    const item = page.queue.shift();
    item.queued = false;
    await colorize(item);
    updateActions();
  }
  page.busy = false;
  updateActions();
}

function enqueue(item) {
  if (item.queued) return;
  item.queued = true;
  setState(item, "waiting", "waiting…");
  page.queue.push(item);
}

function addFiles(fileList) {
  const limits = page.config.limits;
  const files = Array.from(fileList);
  const accepted = files.slice(0, limits.max_files);
  if (files.length > accepted.length) {
    showMessage(
      `${files.length} photographs chosen: this server colorizes at most ` +
      `${limits.max_files} at a time, so the first ${limits.max_files} are ` +
      "colorized; choose the others afterwards.",
    );
  } else {
    showMessage("");
  }
  for (const file of accepted) {
    const item = { file, card: newCard(file.name), result: null, queued: false };
    item.sendable = file.size <= limits.max_upload_bytes;
    page.items.push(item);
    if (item.sendable) {
      enqueue(item);
    } else {
      showError(item,
        `${file.name}: ${megabytes(file.size)} MB, larger than this server ` +
        `accepts (${megabytes(limits.max_upload_bytes)} MB per photograph; ` +
        "somcolor serve --max-upload-mb sets it).");
    }
  }
  updateActions();
  pump();
}

function updateActions() {
  const done = page.items.filter((item) => item.result && item.card.dataset.state === "done");
  $("actions").hidden = page.items.length === 0;
  const link = $("download-all");
  if (done.length) {
    const query = done.map((item) => `id=${encodeURIComponent(item.result.id)}`).join("&");
    link.href = `/api/results.zip?${query}`;
    link.setAttribute("download", "somcolor-colorized.zip");
    link.removeAttribute("aria-disabled");
  } else {
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
  }
  $("again").disabled = !page.items.some((item) => item.sendable);
}

function colorizeAgain() {
  for (const item of page.items) {
    if (item.sendable) enqueue(item);
  }
  pump();
}

function clearAll() {
  page.queue.length = 0;
  page.items.length = 0;
  $("results").replaceChildren();
  showMessage("");
  updateActions();
}

function setUp() {
  const input = $("file-input");
  input.addEventListener("change", () => {
    addFiles(input.files);
    input.value = "";
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    addFiles(event.dataTransfer.files);
  });
  $("model").addEventListener("change", modelChanged);
  $("decoding").addEventListener("change", updateOptions);
  $("temperature").addEventListener("input", updateOptions);
  $("again").addEventListener("click", colorizeAgain);
  $("clear").addEventListener("click", clearAll);
  loadConfig().catch(() => {
    showMessage("The server could not be reached: is somcolor serve still running?");
  });
}

document.addEventListener("DOMContentLoaded", setUp);
