// Citizen-facing web chat for the 12345 hotline assistant (Rasa 3.6 socket.io channel), vanilla JS.
// Served at /webhooks/webchat/chat; static/vendor/socket.io.min.js is loaded before this file.
(() => {
  "use strict";

  const SESSION_KEY = "hotline.session_id";
  const TRANSCRIPT_PREFIX = "hotline.transcript."; // + session id
  const FALLBACK_TITLE = "便民热线智能助手";
  const TYPING_TIMEOUT_MS = 15000;
  const COUNTER_FROM = 800; // show the character counter from this length on
  const STATUS_TEXT = { connecting: "连接中…", connected: "已连接", disconnected: "连接已断开，正在重连…" };
  const URL_RE = /https?:\/\/[^\s<>"'，。！？；：、（）【】《》“”‘’]+/g;
  // Numbers a citizen may need to call at once: emergency (110/119/120/122), hotlines (123xx), phones.
  const PHONE_RE = /(?<![\dA-Za-z])(?:110|119|120|122|123\d\d|1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)/g;
  const TICKET_RE = /(?:TS|JB|JY|ZX)\d{12,14}/;
  const WELCOME_REPLIES = ["我要咨询", "我要投诉", "我要举报", "我要提建议", "查询工单"];
  const TOUCH = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;

  const $ = (id) => document.getElementById(id);
  // Create an element with properties (textContent etc.) and children (nodes or plain text).
  const h = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const newTab = { target: "_blank", rel: "noopener noreferrer" };
  const ui = {
    messages: $("messages"), input: $("input"), composer: $("composer"), status: $("status"), typing: $("typing"),
    hint: $("hint"), counter: $("counter"), newChat: $("new-chat"), hotlineName: $("hotline-name"), hotlineNumber: $("hotline-number"),
  };

  // localStorage may be unavailable (privacy mode, quota): degrade to memory only.
  const store = {
    get(key) { try { return localStorage.getItem(key); } catch (e) { return null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* ignore */ } },
    remove(key) { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } },
  };

  // Transcript entries: {role: "user"|"bot", text?, image?, note?, payload?,
  //                      buttons?: [{title, payload}], used?: bool, pending?: bool}
  let sessionId = store.get(SESSION_KEY);
  let transcript = loadTranscript(sessionId);
  let confirmed = false; // server confirmed the session on the current connection
  let everConnected = false;
  let typingTimer = null;
  const elementOf = new WeakMap(); // transcript entry -> rendered element
  function loadTranscript(id) {
    try {
      const data = id ? JSON.parse(store.get(TRANSCRIPT_PREFIX + id)) : [];
      return Array.isArray(data) ? data : [];
    } catch (e) { return []; }
  }

  // Before the first session_confirm there is no id yet: keep the transcript in memory.
  function saveTranscript() {
    if (sessionId) store.set(TRANSCRIPT_PREFIX + sessionId, JSON.stringify(transcript));
  }

  // ===== Rendering (never innerHTML with message text) =====
  function isSafeUrl(url) {
    try { return ["http:", "https:"].includes(new URL(url, window.location.href).protocol); } catch (e) { return false; }
  }

  // Append text as text nodes, turning http(s) URLs into links and phone numbers into tap-to-call
  // links; CSS keeps line breaks.
  function appendRichText(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      const url = match[0].replace(/[.,;:!?)\]]+$/, "");
      appendPhones(parent, text.slice(last, match.index));
      parent.append(h("a", { href: url, textContent: url, ...newTab }));
      last = match.index + url.length;
    }
    appendPhones(parent, text.slice(last));
  }

  function appendPhones(parent, text) {
    let last = 0;
    for (const match of text.matchAll(PHONE_RE)) {
      parent.append(text.slice(last, match.index), h("a", { href: "tel:" + match[0].replace("-", ""), textContent: match[0], className: "tel" }));
      last = match.index + match[0].length;
    }
    parent.append(text.slice(last));
  }

  function scrollToBottom() { ui.messages.scrollTop = ui.messages.scrollHeight; }
  function updateHint() { ui.hint.hidden = transcript.length > 0; }

  function renderEntry(entry) {
    const bubble = h("div", { className: "bubble" });
    if (entry.text) appendRichText(bubble, entry.text);
    if (entry.image) {
      const img = h("img", { src: entry.image, alt: "图片", onload: scrollToBottom });
      bubble.append(h("a", { href: entry.image, ...newTab }, img));
    }
    if (entry.note) bubble.append(h("span", { className: "note", textContent: entry.note }));
    const el = h("div", { className: `msg ${entry.role === "user" ? "user" : "bot"}${entry.staff ? " staff" : ""}` }, bubble);
    if (entry.staff) el.prepend(h("span", { className: "who", textContent: `人工客服 工号 ${entry.staff}` }));
    if (entry.buttons && entry.buttons.length) {
      el.append(h("div", { className: "quick-replies" }, ...entry.buttons.map((button) => h("button", {
        type: "button", className: "quick-reply", textContent: button.title,
        disabled: Boolean(entry.used), onclick: () => chooseQuickReply(entry, button),
      }))));
    }
    if (entry.pending) setPending(el, true);
    elementOf.set(entry, el);
    ui.messages.append(el);
    scrollToBottom();
  }

  function setPending(el, pending) {
    el.classList.toggle("pending", pending);
    const label = el.querySelector(".msg-state");
    if (pending && !label) el.append(h("span", { className: "msg-state", textContent: "待发送" }));
    if (!pending && label) label.remove();
  }

  function addEntry(entry) { transcript.push(entry); saveTranscript(); renderEntry(entry); updateHint(); }

  // ===== Typing indicator =====
  function showTyping() {
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
  }

  function hideTyping() { clearTimeout(typingTimer); ui.typing.hidden = true; }

  // ===== Sending =====
  // Every citizen message is first stored as pending, then flushed when possible.
  function sendUserMessage(text, payload) {
    const entry = { role: "user", text, pending: true };
    if (payload && payload !== text) entry.payload = payload;
    addEntry(entry);
    flushPending();
  }

  function flushPending() {
    if (!socket || !socket.connected || !confirmed) return;
    let sent = false;
    for (const entry of transcript) {
      if (entry.role !== "user" || !entry.pending) continue;
      socket.emit("user_uttered", { message: entry.payload || entry.text, session_id: sessionId });
      entry.pending = false;
      const el = elementOf.get(entry);
      if (el) setPending(el, false);
      sent = true;
    }
    if (sent) { saveTranscript(); showTyping(); }
  }

  function chooseQuickReply(entry, button) {
    if (entry.used) return;
    entry.used = true;
    const el = elementOf.get(entry);
    if (el) el.querySelectorAll(".quick-reply").forEach((btn) => { btn.disabled = true; });
    sendUserMessage(button.title, button.payload);
  }

  function submitInput() {
    const text = ui.input.value.trim();
    if (!text) return; // empty / whitespace-only input is never sent
    ui.input.value = "";
    onInputChange();
    sendUserMessage(text);
  }

  // ===== Bot messages =====
  function toBotEntry(data) {
    if (typeof data === "string") return data ? { role: "bot", text: data } : null;
    if (!data || typeof data !== "object") return null;
    const entry = { role: "bot" };
    if (typeof data.text === "string" && data.text) entry.text = data.text;
    if (data.staff_no) entry.staff = String(data.staff_no);  // a person on the staff console wrote it
    if (Array.isArray(data.quick_replies)) {
      const buttons = data.quick_replies
        .filter((r) => r && r.title)
        .map((r) => ({ title: String(r.title), payload: String(r.payload || r.title) }));
      if (buttons.length) { entry.buttons = buttons; entry.used = false; }
    }
    if (data.attachment) { // images are shown; any other attachment kind gets a neutral note
      const att = data.attachment;
      const src = att.type === "image" && att.payload && att.payload.src;
      if (typeof src === "string" && isSafeUrl(src)) entry.image = src; else entry.note = "[附件]";
    }
    return entry.text || entry.image || entry.note || entry.buttons ? entry : null;
  }

  // ===== Connection =====
  function setStatus(state, text) { ui.status.textContent = text || STATUS_TEXT[state]; ui.status.className = `status ${state}`; }

  const socket = typeof window.io === "function" ? window.io(window.location.origin, { path: "/socket.io" }) : null;

  if (socket) {
    socket.on("connect", () => {
      everConnected = true;
      confirmed = false;
      setStatus("connected");
      socket.emit("session_request", { session_id: sessionId || null });
    });
    socket.on("session_confirm", (data) => {
      const id = typeof data === "string" ? data : data && data.session_id;
      if (!id) return;
      if (id !== sessionId) { // new (or replaced) session: move the transcript under the new id
        if (sessionId) store.remove(TRANSCRIPT_PREFIX + sessionId);
        sessionId = id;
        store.set(SESSION_KEY, id);
      }
      confirmed = true;
      saveTranscript();
      flushPending();
    });
    socket.on("bot_uttered", (data) => {
      hideTyping();
      const entry = toBotEntry(data);
      if (entry) addEntry(entry);
    });
    socket.on("disconnect", (reason) => {
      confirmed = false;
      setStatus(reason === "io client disconnect" ? "connecting" : "disconnected");
    });
    socket.on("connect_error", () => setStatus(everConnected ? "disconnected" : "connecting"));
  } else {
    setStatus("disconnected", "通信组件加载失败，请刷新页面");
  }

  // "新对话": forget session and transcript, reconnect with a fresh socket (leaves old rooms). A chat that
  // holds a ticket number is cleared only after the citizen confirms: the number is how they follow it up.
  function newConversation() {
    const ticket = transcript.map((e) => (e.text || "").match(TICKET_RE)).find(Boolean);
    if (ticket && !window.confirm(`这段对话里有您的工单号 ${ticket[0]}，清空后将无法在此查看。请先记下工单号。确定开始新对话吗？`)) return;
    if (sessionId) store.remove(TRANSCRIPT_PREFIX + sessionId);
    store.remove(SESSION_KEY);
    sessionId = null; confirmed = false; transcript = [];
    ui.messages.replaceChildren(); hideTyping(); updateHint();
    if (socket) { socket.disconnect(); socket.connect(); }
    ui.input.focus();
  }

  // ===== Input =====
  function onInputChange() {
    const length = ui.input.value.length;
    const max = ui.input.maxLength > 0 ? ui.input.maxLength : 1000;
    ui.counter.hidden = length < COUNTER_FROM;
    ui.counter.textContent = `${length}/${max}`;
    ui.counter.classList.toggle("full", length >= max);
    ui.input.style.height = "auto"; // grow with content up to the CSS max-height
    ui.input.style.height = `${ui.input.scrollHeight}px`;
  }

  ui.input.addEventListener("input", onInputChange);
  ui.input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter inserts a newline; ignore Enter confirming an IME candidate.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submitInput();
    }
  });
  ui.composer.addEventListener("submit", (event) => { event.preventDefault(); submitInput(); });
  ui.newChat.addEventListener("click", newConversation);
  if (!TOUCH) ui.input.placeholder = "请输入您的问题，按 Enter 发送（Shift+Enter 换行）";  // phones have no Enter key to speak of

  // ===== Hotline profile =====
  // The regulation's greeting as soon as the page opens: who answers, when, and for what.
  function showWelcome(name, number, profile) {
    const hours = profile && profile.service_hours ? `服务时间：${profile.service_hours}。` : "";
    const scope = profile && profile.scope ? `可以为您办理：${profile.scope}。` : "";
    $("welcome").textContent = `您好！这里是${name}${number ? `（${number}）` : ""}智能助手。${hours}${scope}请直接描述您的问题，或点下面的按钮。`;
    $("welcome-replies").replaceChildren(...WELCOME_REPLIES.map((title) => h("button", {
      type: "button", className: "welcome-reply", textContent: title, onclick: () => sendUserMessage(title),
    })));
  }

  function applyProfile(profile) {
    const name = profile && typeof profile.name === "string" && profile.name.trim() ? profile.name.trim() : FALLBACK_TITLE;
    const number = profile && profile.number ? String(profile.number) : "";
    showWelcome(name, number, profile);
    ui.hotlineName.textContent = name;
    document.title = number ? `${name}（${number}）` : name;
    Object.assign(ui.hotlineNumber, { hidden: !number, textContent: number ? `热线 ${number}` : "" });
    if (profile && profile.service_hours) ui.hotlineNumber.title = `服务时间：${profile.service_hours}`;
  }

  fetch("profile", { headers: { Accept: "application/json" } })
    .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`HTTP ${res.status}`))))
    .then((profile) => applyProfile(profile && typeof profile === "object" ? profile : null))
    .catch(() => applyProfile(null));

  // ===== Restore previous conversation =====
  transcript.forEach(renderEntry);
  updateHint();
})();
