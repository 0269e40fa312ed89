// The page of `somcolor serve`: sends each photograph to the server, one at a
// time, and shows grey / colorized / original side by side; fits a model on
// reference photographs; sends the colour hints painted on a colorized
// picture. Every text that comes from a file name or the server is set with
// textContent, never as HTML.
"use strict";

const page = {
  config: null,
  items: [], // {file, card, result, queued, base, strokes, ...}
  queue: [],
  busy: false,
  fitting: false,
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
  item.base = result;
  item.strokes = [];
  item.sent = 0;
  item.inFlight = false;
  for (const old of item.card.querySelectorAll(
    ".pictures, .quality, .download, .error, .hint-tools")) {
    old.remove();
  }
  const pictures = element("div", { class: "pictures" });
  pictures.append(figure("grey", result.images.grey, "grey"));
  const colorized = figure("colorized", result.images.colorized, "colorized");
  pictures.append(colorized);
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
  item.card.append(hintTools(item, colorized));
  setState(item, "done", "colorized");
}

// -- colour hints ------------------------------------------------------------

function markRadius(item) {
  return Math.max(3, Math.round(Math.min(item.base.width, item.base.height) / 100));
}

function hex(r, g, b) {
  return "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("");
}

function rgbOf(colour) {
  return [1, 3, 5].map((k) => parseInt(colour.slice(k, k + 2), 16));
}

function hintTools(item, colorized) {
  const { width, height } = item.base;
  const marks = element("canvas", {
    class: "marks", width: String(width), height: String(height),
    title: "click or drag to place a colour hint",
  });
  colorized.querySelector("img").after(marks);
  colorized.classList.add("paintable");
  const tools = element("div", { class: "hint-tools" });
  const label = element("label", {}, "Colour of the last mark ");
  const picker = element("input", { type: "color", class: "hint-colour", value: "#808080" });
  picker.disabled = true;
  label.append(picker);
  const undo = element("button", { type: "button", class: "undo" }, "Undo last mark");
  const clear = element("button", { type: "button", class: "clear-hints" }, "Clear marks");
  const download = element("a", { class: "download-hints button", href: "#" }, "Download hints");
  download.hidden = true;
  const status = element("span", { class: "hint-status note" },
    "Click or drag on the colorized picture to correct a colour.");
  tools.append(label, undo, clear, download, status);
  item.marks = marks;
  item.tools = { picker, undo, clear, download, status };
  updateHintTools(item);

  let drawing = null;
  const at = (event) => {
    const box = marks.getBoundingClientRect();
    const x = Math.floor(((event.clientX - box.left) / box.width) * width);
    const y = Math.floor(((event.clientY - box.top) / box.height) * height);
    return [Math.min(width - 1, Math.max(0, x)), Math.min(height - 1, Math.max(0, y))];
  };
  marks.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    const [x, y] = at(event);
    const colour = modelColourAt(item, colorized.querySelector("img"), x, y);
    drawing = { colour, points: [[x, y]] };
    item.strokes.push(drawing);
    picker.value = colour;
    try {
      marks.setPointerCapture(event.pointerId);
    } catch (error) {
      // a synthetic pointer: nothing to capture
    }
    drawMarks(item);
  });
  marks.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const [x, y] = at(event);
    const [px, py] = drawing.points[drawing.points.length - 1];
    const step = Math.max(1, markRadius(item) / 2);
    const n = Math.ceil(Math.hypot(x - px, y - py) / step);
    for (let k = 1; k <= n; k++) {
      drawing.points.push([Math.round(px + ((x - px) * k) / n),
        Math.round(py + ((y - py) * k) / n)]);
    }
    drawMarks(item);
  });
  const finish = () => {
    if (!drawing) return;
    drawing = null;
    updateHintTools(item);
    sendHints(item);
  };
  marks.addEventListener("pointerup", finish);
  marks.addEventListener("pointercancel", finish);
  picker.addEventListener("input", () => {
    const last = item.strokes[item.strokes.length - 1];
    if (!last || last.colour === picker.value) return;
    last.colour = picker.value;
    drawMarks(item);
    sendHints(item);
  });
  undo.addEventListener("click", () => {
    item.strokes.pop();
    afterMarksChanged(item);
  });
  clear.addEventListener("click", () => {
    item.strokes.length = 0;
    afterMarksChanged(item);
  });
  return tools;
}

function modelColourAt(item, image, x, y) {
  // The colour of the picture shown, read once per picture.
  if (!item.shown || item.shown.src !== image.src) {
    const canvas = element("canvas", { width: String(item.base.width),
      height: String(item.base.height) });
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(image, 0, 0);
    item.shown = { src: image.src, context };
  }
  const [r, g, b] = item.shown.context.getImageData(x, y, 1, 1).data;
  return hex(r, g, b);
}

function drawMarks(item) {
  const context = item.marks.getContext("2d");
  const radius = markRadius(item);
  context.clearRect(0, 0, item.marks.width, item.marks.height);
  for (const stroke of item.strokes) {
    context.fillStyle = stroke.colour;
    context.strokeStyle = "rgba(255, 255, 255, 0.8)";
    context.lineWidth = Math.max(1, radius / 3);
    for (const [x, y] of stroke.points) {
      context.beginPath();
      context.arc(x + 0.5, y + 0.5, radius + context.lineWidth, 0, 2 * Math.PI);
      context.stroke();
    }
    for (const [x, y] of stroke.points) {
      context.beginPath();
      context.arc(x + 0.5, y + 0.5, radius, 0, 2 * Math.PI);
      context.fill();
    }
  }
}

function hintLayer(item) {
  // The RGBA layer sent to the server: the photograph's size, transparent
  // except the marks, each a disc of exactly its colour (no anti-aliasing).
  const { width, height } = item.base;
  const layer = new ImageData(width, height);
  const radius = markRadius(item);
  for (const stroke of item.strokes) {
    const [r, g, b] = rgbOf(stroke.colour);
    for (const [cx, cy] of stroke.points) {
      for (let y = Math.max(0, cy - radius); y <= Math.min(height - 1, cy + radius); y++) {
        for (let x = Math.max(0, cx - radius); x <= Math.min(width - 1, cx + radius); x++) {
          if ((x - cx) ** 2 + (y - cy) ** 2 > radius * radius) continue;
          const k = 4 * (y * width + x);
          layer.data[k] = r;
          layer.data[k + 1] = g;
          layer.data[k + 2] = b;
          layer.data[k + 3] = 255;
        }
      }
    }
  }
  const canvas = element("canvas", { width: String(width), height: String(height) });
  canvas.getContext("2d").putImageData(layer, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

function updateHintTools(item) {
  const { picker, undo, clear, download } = item.tools;
  const some = item.strokes.length > 0;
  picker.disabled = !some;
  undo.disabled = !some;
  clear.disabled = !some;
  download.hidden = !some || item.result === item.base;
  item.card.dataset.marks = String(item.strokes.length);
}

function showColorized(item, result) {
  item.result = result;
  const image = item.card.querySelector("figure.colorized img");
  image.src = result.images.colorized;
  const link = item.card.querySelector("a.download");
  link.href = result.download;
  const { download } = item.tools;
  if (result.hints_download) {
    download.href = result.hints_download;
    download.setAttribute("download", result.hints_download_name);
  }
  updateHintTools(item);
  updateActions();
}

function afterMarksChanged(item) {
  drawMarks(item);
  if (item.strokes.length === 0) {
    item.sent += 1; // an answer still on its way is no longer wanted
    item.pending = false;
    showColorized(item, item.base);
    item.tools.status.textContent = "No marks: the model's own colours.";
    item.card.dataset.recolour = "done";
    return;
  }
  sendHints(item);
}

async function sendHints(item) {
  if (item.inFlight) {
    item.pending = true; // sent again with the newest marks when this one is back
    return;
  }
  item.inFlight = true;
  item.pending = false;
  const ticket = ++item.sent;
  const base = item.base;
  const strokes = item.strokes.length;
  item.card.dataset.recolour = "working";
  item.tools.status.textContent = "colouring with your marks…";
  const form = new FormData();
  form.append("hints", await hintLayer(item), "hints.png");
  let answer = null;
  let failure = null;
  try {
    const response = await fetch(`/api/results/${base.id}/hints`,
      { method: "POST", body: form });
    try {
      answer = await response.json();
    } catch (error) {
      answer = null;
    }
    if (!response.ok || answer === null || answer.error) {
      failure = answer && answer.error ? answer.error : `the server answered ${response.status}`;
    }
  } catch (error) {
    failure = "the server could not be reached (is somcolor serve still running?).";
  }
  if (base !== item.base) return; // colorized again meanwhile: a new picture
  item.inFlight = false;
  if (item.pending) {
    sendHints(item);
    return;
  }
  if (ticket !== item.sent) return; // cleared meanwhile
  if (failure) {
    item.tools.status.textContent = failure;
    item.tools.status.classList.add("error");
    item.card.dataset.recolour = "error";
    return;
  }
  item.tools.status.classList.remove("error");
  showColorized(item, answer);
  const image = item.card.querySelector("figure.colorized img");
  const done = () => {
    item.tools.status.textContent =
      `Coloured with ${strokes} mark${strokes === 1 ? "" : "s"} ` +
      `(${answer.seconds.toFixed(2)} s on the server).`;
    item.card.dataset.recolour = "done";
  };
  if (image.complete && image.naturalWidth) done();
  else image.addEventListener("load", done, { once: true });
}

// -- reference photographs ------------------------------------------------------

function referenceState(state, text, error = "") {
  const section = $("reference");
  section.dataset.state = state;
  section.querySelector("progress").hidden = state !== "fitting";
  section.querySelector("#reference-status .text").textContent = text;
  $("reference-error").textContent = error;
  $("reference-error").hidden = !error;
}

async function fitReferences(fileList) {
  const files = Array.from(fileList);
  if (!files.length || page.fitting) return;
  const limits = page.config.limits;
  if (files.length > limits.max_files) {
    referenceState("error", "", `${files.length} photographs chosen: this server ` +
      `fits on at most ${limits.max_files} at a time.`);
    return;
  }
  const total = files.reduce((sum, file) => sum + file.size, 0);
  if (total > limits.max_upload_bytes) {
    referenceState("error", "", `${megabytes(total)} MB of photographs, more than ` +
      `this server accepts (${megabytes(limits.max_upload_bytes)} MB at a time; ` +
      "somcolor serve --max-upload-mb sets it).");
    return;
  }
  page.fitting = true;
  const names = files.map((file) => file.name).join(", ");
  const form = new FormData();
  for (const file of files) form.append("file", file, file.name);
  const start = performance.now();
  const tick = () => referenceState("fitting",
    `learning the colours of ${names}… ${((performance.now() - start) / 1000).toFixed(0)} s`);
  tick();
  const timer = setInterval(tick, 500);
  let answer = null;
  let failure = null;
  try {
    const response = await fetch("/api/references", { method: "POST", body: form });
    try {
      answer = await response.json();
    } catch (error) {
      answer = null;
    }
    if (!response.ok || answer === null || answer.error) {
      failure = answer && answer.error ? answer.error : `the server answered ${response.status}`;
    }
  } catch (error) {
    failure = "the server could not be reached (is somcolor serve still running?).";
  }
  clearInterval(timer);
  page.fitting = false;
  if (failure) {
    referenceState("error", "", failure);
    return;
  }
  page.config.models.push({ name: answer.name, options: answer.options });
  const select = $("model");
  select.append(element("option", { value: answer.name }, answer.name));
  select.value = answer.name;
  modelChanged();
  referenceState("done", `Done in ${answer.seconds.toFixed(1)} s: the model ` +
    `"${answer.name}" is selected, and colours the photographs.`);
  const link = $("reference-download");
  link.href = answer.download;
  link.setAttribute("download", answer.download_name);
  link.textContent = `Download the model (${answer.download_name})`;
  link.hidden = false;
  colorizeAgain();
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
  const referenceInput = $("reference-input");
  referenceInput.addEventListener("change", () => {
    fitReferences(referenceInput.files);
    referenceInput.value = "";
  });
  const reference = $("reference");
  reference.addEventListener("dragover", (event) => {
    event.preventDefault();
    reference.classList.add("over");
  });
  reference.addEventListener("dragleave", () => reference.classList.remove("over"));
  reference.addEventListener("drop", (event) => {
    event.preventDefault();
    reference.classList.remove("over");
    fitReferences(event.dataTransfer.files);
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
