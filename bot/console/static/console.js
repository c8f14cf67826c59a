// Staff console: queue, claim, live transcript, reply, tickets, notes, hand back.
// Every text from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  const STAFF_WORK = ["agent", "supervisor", "admin"];
  const QUEUE_EVERY_MS = 1000;
  const LINES_EVERY_MS = 500;
  const state = { me: null, selected: null, detail: null, lastLine: 0, seen: new Set(), submission: null, audio: null, departments: [] };
  const $ = (id) => document.getElementById(id);

  const { api, el, show, beijingTime } = window.ConsoleKit;

  function minutes(seconds) {
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + String(s).padStart(2, "0");
  }

  // Alerts: a visible banner, the title, and a short tone (once the browser allows sound).
  function alertNewConversation() {
    $("alert").hidden = false;
    document.title = "【新会话】热线工作台";
    document.body.dataset.alerts = String(Number(document.body.dataset.alerts || 0) + 1);
    try {
      state.audio = state.audio || new (window.AudioContext || window.webkitAudioContext)();
      const tone = state.audio.createOscillator(), gain = state.audio.createGain();
      tone.frequency.value = 880; gain.gain.value = 0.2;
      tone.connect(gain); gain.connect(state.audio.destination);
      tone.start(); tone.stop(state.audio.currentTime + 0.3);
      document.body.dataset.tones = String(Number(document.body.dataset.tones || 0) + 1);
    } catch (e) { /* no audio device: the banner still shows */ }
  }

  function card(item) {
    const li = el("li", null, "card level-" + item.level + (state.selected === item.id ? " selected" : ""));
    li.dataset.id = item.id;
    li.appendChild(el("div", item.reason_label, "reason"));
    const s = item.summary || {};
    li.appendChild(el("div", (s.intent_label || "未识别诉求") + (s.topic ? "（" + s.topic + "）" : ""), "intent"));
    const talk = item.talk_seconds === null || item.talk_seconds === undefined ? "" : " · 已接入 " + minutes(item.talk_seconds);
    li.appendChild(el("div", "渠道 " + (item.channel_label || item.channel) + " · 已等待 " + minutes(item.wait_seconds) + talk, "meta"));
    li.addEventListener("click", () => select(item.id));
    return li;
  }

  async function refreshQueue() {
    const data = await api("GET", "/console/api/queue", undefined, false, true);
    $("duty").textContent = (data.on_duty ? "值班中 " : "非值班时间 ") + data.staff_hours;
    $("waiting-count").textContent = data.waiting.length;
    $("waiting").replaceChildren(...data.waiting.map(card));
    $("claimed").replaceChildren(...data.claimed.map(card));
    let fresh = false;
    for (const item of data.waiting) {
      if (!state.seen.has(item.id)) { state.seen.add(item.id); fresh = true; }
    }
    if (fresh) alertNewConversation();
    if (!data.waiting.length) { $("alert").hidden = true; document.title = "热线工作台"; }
  }

  function renderSummary(detail) {
    const box = $("summary");
    const s = detail.summary || {};
    const rows = [["转人工原因", detail.reason_label + (s.topic ? "：" + s.topic : "")], ["诉求", s.intent_label || "未识别"]];
    for (const f of s.fields || []) rows.push([f.label, f.value]);
    const table = el("dl");
    for (const [k, v] of rows) { table.appendChild(el("dt", k)); table.appendChild(el("dd", v)); }
    box.replaceChildren(table);
    $("tickets").replaceChildren(...(detail.tickets.length ? detail.tickets.map(
      (t) => el("li", t.number + " · " + t.category + " · " + t.status + " · 答复期限 " + t.due + (t.due_certain === false ? "（预计）" : ""))) : [el("li", "无")]));
    $("notes").replaceChildren(...detail.notes.map((n) => el("li", beijingTime(n.at, "time") + " " + n.text)));
  }

  async function select(id) {
    if (state.selected !== id) {
      state.selected = id; state.lastLine = 0;
      $("transcript").replaceChildren();
      state.submission = null;
    }
    const detail = await api("GET", "/console/api/handoffs/" + id);
    state.detail = detail;
    $("conversation").hidden = false;
    $("conv-title").textContent = "会话 #" + id + " · " + (detail.channel_label || detail.channel);
    $("claim").hidden = detail.status !== "waiting";
    $("hand-back").hidden = !(detail.holder || (detail.status === "claimed" && ["supervisor", "admin"].includes(state.me.role)));
    for (const id2 of ["reply-form", "ticket-box"]) $(id2).hidden = !detail.holder;
    renderSummary(detail);
    await refreshLines();
  }

  function lineText(line) {
    return line.who === "system" ? "—— " + line.text + " ——" : line.text;
  }

  async function refreshLines() {
    if (!state.selected) return;
    const selected = state.selected;
    const data = await api("GET", "/console/api/handoffs/" + selected + "/messages?after=" + state.lastLine, undefined, false, true);
    if (state.selected !== selected) return; // another conversation was opened meanwhile
    const list = $("transcript");
    for (const line of data.lines) {
      if (line.id <= state.lastLine) continue; // a poll and a click overlapped: shown already
      const li = el("li", null, "line " + line.who);
      const who = { citizen: "市民", bot: "智能助手", staff: "工号 " + line.staff_no, system: "" }[line.who];
      li.appendChild(el("span", beijingTime(line.at, "time"), "at"));
      if (who) li.appendChild(el("span", who, "who"));
      li.appendChild(el("span", lineText(line), "text"));
      list.appendChild(li);
      state.lastLine = Math.max(state.lastLine, line.id);
    }
    if (data.lines.length) list.scrollTop = list.scrollHeight;
  }

  async function loadTicketForm() {
    const category = $("ticket-category").value || "complaint";
    const data = await api("GET", "/console/api/handoffs/" + state.selected + "/ticket-form?category=" + category);
    if (!$("ticket-category").options.length) {
      for (const c of data.categories) { const o = el("option", c.label); o.value = c.value; $("ticket-category").appendChild(o); }
    }
    $("ticket-category").value = data.category;
    $("ticket-fields").replaceChildren(...data.fields.map((f) => {
      const label = el("label", f.label);
      const input = el(f.name.endsWith("description") || f.name === "message_question" ? "textarea" : "input");
      input.name = f.name; input.value = f.value; input.dataset.field = f.name;
      label.appendChild(input);
      return label;
    }));
    state.submission = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now());
  }

  function wire() {
    $("sound").addEventListener("click", () => { state.audio = state.audio || new (window.AudioContext || window.webkitAudioContext)(); $("sound").textContent = "提示音已开启"; });
    $("claim").addEventListener("click", async () => {
      try { const r = await api("POST", "/console/api/handoffs/" + state.selected + "/claim"); show("reply-status", r.warning || "已接入", !r.warning); }
      catch (e) { show("reply-status", e.message, false); alert(e.message); }
      await select(state.selected); await refreshQueue();
    });
    $("hand-back").addEventListener("click", async () => {
      try { await api("POST", "/console/api/handoffs/" + state.selected + "/hand-back"); show("reply-status", "已转回智能助手", true); }
      catch (e) { show("reply-status", e.message, false); }
      await select(state.selected); await refreshQueue();
    });
    $("reply-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("reply").value.trim();
      if (!text) return;
      $("send").disabled = true;
      try { await api("POST", "/console/api/handoffs/" + state.selected + "/reply", { text }); $("reply").value = ""; show("reply-status", "", true); }
      catch (e) { show("reply-status", e.message, false); }  // the text stays in the box for a retry
      finally { $("send").disabled = false; }
    });
    $("reply").addEventListener("keydown", (event) => { if (event.key === "Enter" && event.ctrlKey) $("reply-form").requestSubmit(); });
    $("canned").addEventListener("change", () => { if ($("canned").value) { $("reply").value = $("canned").value; $("canned").value = ""; $("reply").focus(); } });
    $("ticket-box").addEventListener("toggle", () => { if ($("ticket-box").open) loadTicketForm(); });
    $("ticket-category").addEventListener("change", loadTicketForm);
    $("ticket-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = {};
      for (const input of $("ticket-fields").querySelectorAll("[data-field]")) fields[input.dataset.field] = input.value;
      try {
        const r = await api("POST", "/console/api/handoffs/" + state.selected + "/tickets",
          { category: $("ticket-category").value, fields, major: $("ticket-major").checked, submission: state.submission });
        show("ticket-status", "已创建 " + r.number + "，答复期限 " + r.due + (r.due_certain === false ? "（预计）" : "") + (r.delivered ? "，已告知市民" : "，告知市民失败，请手动回复"), r.delivered);
        await select(state.selected);
      } catch (e) { show("ticket-status", e.message, false); }
    });
    $("note-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("note").value.trim();
      if (!text) return;
      await api("POST", "/console/api/handoffs/" + state.selected + "/notes", { text });
      $("note").value = ""; await select(state.selected);
    });
  }

  function every(ms, task) {
    const run = async () => { try { await task(); } catch (e) { /* shown on the next success */ } setTimeout(run, ms); };
    run();
  }

  async function start() {
    state.me = await window.ConsoleKit.signedIn();
    $("who").textContent = state.me.display_name + "（工号 " + state.me.staff_no + "，" + state.me.role_label + "）";
    if (state.me.role === "editor") { window.location.href = "/console/faq"; return; }  // editors work on the knowledge base
    if (state.me.role === "department") { window.location.href = "/console/tickets"; return; }  // departments handle tickets
    if (!STAFF_WORK.includes(state.me.role)) { $("no-role").hidden = false; return; }
    $("workspace").hidden = false;
    wire();
    const canned = await api("GET", "/console/api/canned-replies");
    for (const text of canned.replies) { const o = el("option", text); o.value = text; $("canned").appendChild(o); }
    every(QUEUE_EVERY_MS, refreshQueue);
    every(LINES_EVERY_MS, refreshLines);
  }

  start();
})();
