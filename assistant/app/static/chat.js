// The chat's behaviour in the page. Runs as the js_on_load of the hidden "ui-bridge" gr.HTML component, which
// gives it `element` (the component), `trigger` (fires its Python events) and `server` (its server functions).
//
// * a click on a citation marker or a compact row (#cite:ANSWER:DOC:REF) opens that unit in a dialog;
// * "复制" (#copy:ANSWER) copies the answer as clean text; "查看来源" (#sources:ANSWER) shows that answer's
//   sources and downloads, and scrolls to them on a phone;
// * a new answer is scrolled so that its first line (the conclusion) is on screen;
// * Gradio's own English words (aria-labels, titles, toasts) are put in Chinese.
const W = window;
W.__assistantBridge = { server, trigger };
const WORDS = __GRADIO_WORDS__;
const UNIT_LOADING = __UNIT_LOADING__;
const UNIT_MISSING = __UNIT_MISSING__;
const COPIED = __COPIED__;
const COPY_FAILED = __COPY_FAILED__;
const API_DOCS = __API_DOCS__;

const dialog = element.querySelector("#unit-dialog");
const toast = element.querySelector("#ui-toast");
if (dialog && dialog.parentElement !== document.body) document.body.appendChild(dialog);
if (toast && toast.parentElement !== document.body) document.body.appendChild(toast);
const dlg = document.getElementById("unit-dialog");
const dlgBody = dlg.querySelector(".ud-body");

function say(text) {
  const t = document.getElementById("ui-toast");
  t.textContent = text;
  t.classList.add("show");
  clearTimeout(W.__assistantToastTimer);
  W.__assistantToastTimer = setTimeout(() => t.classList.remove("show"), 2200);
}

async function openUnit(answerId, doc, ref) {
  dlgBody.innerHTML = '<p class="empty">' + UNIT_LOADING + "</p>";
  if (!dlg.open) dlg.showModal();
  try {
    const html = await W.__assistantBridge.server.unit_detail(answerId, doc, ref);
    dlgBody.innerHTML = html || '<p class="empty">' + UNIT_MISSING + "</p>";
  } catch (e) {
    dlgBody.innerHTML = '<p class="empty">' + UNIT_MISSING + "</p>";
  }
  dlgBody.scrollTop = 0;
}

function copyFallback(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
  area.remove();
  return ok;
}

async function copyAnswer(answerId) {
  let text = "";
  try { text = await W.__assistantBridge.server.copy_text(answerId); } catch (e) { text = ""; }
  if (!text) { say(UNIT_MISSING); return; }
  W.__assistantLastCopy = text;  // what was last copied (the browser tests read it too)
  let ok = false;
  if (navigator.clipboard && W.isSecureContext) {
    try { await navigator.clipboard.writeText(text); ok = true; } catch (e) { ok = false; }
  }
  if (!ok) ok = copyFallback(text);  // http on a LAN address: no clipboard API
  say(ok ? COPIED : COPY_FAILED);
}

function showSources(answerId) {
  W.__assistantBridge.trigger("show_sources", { answer_id: answerId });
  const panel = document.getElementById("sources-section");
  if (!panel) return;
  const box = panel.getBoundingClientRect();
  if (box.top < 0 || box.top > W.innerHeight - 120) {
    setTimeout(() => panel.scrollIntoView({ behavior: "smooth", block: "start" }), 60);
  }
}

if (!W.__assistantClicks) {
  W.__assistantClicks = true;
  document.addEventListener("click", (event) => {
    const a = event.target && event.target.closest ? event.target.closest("a[href^='#cite:'], a[href^='#copy:'], a[href^='#sources:']") : null;
    if (!a) return;
    event.preventDefault();
    const parts = a.getAttribute("href").slice(1).split(":").map((p) => decodeURIComponent(p));
    if (parts[0] === "cite") openUnit(parts[1], parts[2], parts[3]);
    else if (parts[0] === "copy") copyAnswer(parts[1]);
    else if (parts[0] === "sources") showSources(parts[1]);
  }, true);
  // a link from the API's references (/#cite:-:DOC:REF) opens that unit when the page loads
  const openFromHash = () => {
    if (!location.hash.startsWith("#cite:")) return;
    const parts = location.hash.slice(1).split(":").map((p) => decodeURIComponent(p));
    openUnit(parts[1], parts[2], parts[3]);
  };
  W.addEventListener("hashchange", openFromHash);
  openFromHash();
  dlg.querySelector(".ud-close").addEventListener("click", () => dlg.close());
  dlg.addEventListener("click", (event) => { if (event.target === dlg) dlg.close(); });
}

// --- keep the start of a new answer on screen ----------------------------------------------------------
function scroller(node) {
  for (let n = node.parentElement; n; n = n.parentElement) {
    const s = getComputedStyle(n);
    if ((s.overflowY === "auto" || s.overflowY === "scroll") && n.scrollHeight > n.clientHeight) return n;
  }
  return null;
}
W.__assistantSeen = W.__assistantSeen || new Set();
function revealNewAnswers() {
  const chat = document.getElementById("chat");
  if (!chat) return;
  const pending = chat.querySelector(".pending");
  if (pending && !pending.dataset.shown) {
    pending.dataset.shown = "1";
    const box = scroller(pending);
    if (box) box.scrollTop = box.scrollHeight;
  }
  const answers = chat.querySelectorAll(".answer");
  let newest = null;
  answers.forEach((a) => {
    const link = a.querySelector("a.copy-link");
    const id = link ? link.getAttribute("href") : "";
    if (id && !W.__assistantSeen.has(id)) { W.__assistantSeen.add(id); newest = a; }
  });
  if (!newest) return;
  const box = scroller(newest);
  if (!box) return;
  // the question above it too, when that leaves the answer's first lines on screen
  const boxTop = box.getBoundingClientRect().top;
  const answerTop = newest.getBoundingClientRect().top - boxTop;
  const rows = [...box.querySelectorAll(".message-row")];
  const mine = rows.findIndex((r) => r.contains(newest));
  const question = mine > 0 ? rows[mine - 1] : null;
  const questionTop = question ? question.getBoundingClientRect().top - boxTop : answerTop;
  const target = answerTop - questionTop < box.clientHeight * 0.3 ? questionTop - 8 : answerTop - 24;
  box.scrollTop = Math.max(0, box.scrollTop + target);
}

// --- a document's outline starts folded on a phone (the task table is what staff look for) --------------
function foldOutlineOnPhones() {
  const outline = document.querySelector("#outline details.outline");
  if (!outline || outline.dataset.placed) return;
  outline.dataset.placed = "1";
  if (W.innerWidth < 640) outline.removeAttribute("open");
}

// --- the 文库 task table: a header click sorts by that column (numbers as numbers), again reverses -------
if (!W.__assistantSort) {
  W.__assistantSort = true;
  document.addEventListener("click", (event) => {
    const row = event.target && event.target.closest ? event.target.closest("table.lib-tasks tbody tr") : null;
    if (row && !event.target.closest("a")) { row.classList.toggle("open"); return; }
    const th = event.target && event.target.closest ? event.target.closest("table.lib-tasks th") : null;
    if (!th) return;
    const table = th.closest("table");
    const index = [...th.parentElement.children].indexOf(th);
    const up = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    const numeric = th.dataset.sort === "num";
    const body = table.tBodies[0];
    const rows = [...body.rows];
    const key = (r) => (r.cells[index] ? r.cells[index].dataset.value || "" : "");
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      const c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, "zh-CN");
      return up ? c : -c;
    });
    rows.forEach((r) => body.appendChild(r));
  });
}

// --- the footer's API link: the project's Chinese API page when the server has one, else none ----------
W.__assistantApiDocs = W.__assistantApiDocs || fetch("docs", { method: "HEAD" })
  .then((r) => r.ok && (r.headers.get("content-type") || "").includes("text/html")).catch(() => false);
function apiLink() {
  document.querySelectorAll("footer .show-api, footer a[href*='view=api'], footer button").forEach((el) => {
    if (el.dataset.assistantApi || !/API/.test(el.textContent || "")) return;
    el.dataset.assistantApi = "1";
    el.style.display = "none";
    W.__assistantApiDocs.then((ok) => {
      if (!ok || !el.parentElement) return;
      const a = document.createElement("a");
      a.href = "docs"; a.target = "_blank"; a.rel = "noopener"; a.textContent = API_DOCS; a.className = "api-docs-link";
      el.parentElement.insertBefore(a, el);
    });
  });
}

// --- Gradio's own words in Chinese ----------------------------------------------------------------------
const MESSAGE_LABEL = /^(user|bot|assistant)'s message: ([\s\S]*)$/;
function plainText(markup) {
  const div = new DOMParser().parseFromString(markup, "text/html").body;  // inert: nothing in it runs
  div.querySelectorAll(".filters-used, .answer-tools").forEach((n) => n.remove());
  return (div.textContent || "").replace(/\s+/g, " ").trim().slice(0, 200);
}
const PATTERNS = [
  [/^File\(s\) exceed the maximum allowed size of ([\d.]+) ?mb:?\s*(.*)$/i, (m) => "文件超过大小上限（" + m[1] + " MB），未上传：" + m[2]],
  [/^Invalid file type/i, () => "不支持的文件类型（支持 .txt .md .docx .pdf .html）"],
  [/^Connection errored out/i, () => WORDS["Connection errored out."]],
  [/^Connection to the server was lost/i, () => WORDS["Connection to the server was lost. Attempting reconnection..."]],
  [/^Could not (connect|resolve)/i, () => WORDS["Could not connect to the server."]],
  [/^Error while/i, () => "出错了，请稍后再试。"],
];
function zh(value) {
  const v = value.trim();
  if (WORDS[v]) return WORDS[v];
  const m = MESSAGE_LABEL.exec(v);
  if (m) return (m[1] === "user" ? "提问：" : "回答：") + plainText(m[2]);
  for (const [re, make] of PATTERNS) {
    const hit = re.exec(v);
    if (hit) return make(hit);
  }
  return null;
}
function translate(root) {
  (root.querySelectorAll ? root : document).querySelectorAll("[aria-label], [title], [placeholder]").forEach((el) => {
    for (const attr of ["aria-label", "title", "placeholder"]) {
      const v = el.getAttribute(attr);
      const t = v ? zh(v) : null;
      if (t && t !== v) el.setAttribute(attr, t);
    }
  });
  // visible text where Gradio writes English: toasts, error labels, the footer
  document.querySelectorAll(".toast-body, footer, .error, .api-docs-wrap h2, .upload-container, .sr-only").forEach((root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const v = node.nodeValue;
      if (!v || !/[A-Za-z]/.test(v)) continue;
      const t = zh(v);
      if (t && t !== v.trim()) node.nodeValue = t;
    }
  });
}

if (!W.__assistantObserver) {
  let queued = false;
  W.__assistantObserver = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      translate(document);
      apiLink();
      revealNewAnswers();
      foldOutlineOnPhones();
    });
  });
  W.__assistantObserver.observe(document.body, { subtree: true, childList: true, attributes: true,
    attributeFilter: ["aria-label", "title", "placeholder"], characterData: true });
  translate(document);
  apiLink();
}
