// FAQ editor: entries (filter, edit, publish, history), try it, unanswered questions, import/export.
// Every text from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  const STATUS = { draft: "草稿", published: "已发布", retired: "已下线" };
  const HOTLINE = { all: "全部", "12345": "12345", "12319": "12319", "12320": "12320" };
  const OUTCOME = { new: "新增", changed: "修改", unchanged: "不变", rejected: "拒绝" };
  const $ = (id) => document.getElementById(id);
  const state = { me: null, current: null, importToken: null };

  const { api, el, beijingTime, row } = window.ConsoleKit;
  // What staff read instead of the stored codes.
  const HISTORY = { created: "新建", updated: "修改", published: "发布", retired: "下线", drafted: "改为草稿", rolled_back: "回退" };
  const MATCHERS = { words: "词语", chars: "字符", sounds: "拼音", semantic: "语义" };
  const FIELDS = { question: "标准问题", similar_questions: "相似问法", answer: "答案", category: "分类", hotline: "热线",
    department: "部门", source: "政策依据", effective_date: "生效日期", expires_on: "失效日期", status: "状态" };

  // What a save would change for citizens, in words staff use.
  function changedFields(before, body) {
    const same = (a, b) => JSON.stringify(a || "") === JSON.stringify(b || "");
    return Object.keys(FIELDS).filter((k) => k in body && !same(k === "similar_questions" ? (before[k] || []).join("\n") : before[k],
      k === "similar_questions" ? body[k].filter((q) => q.trim()).join("\n") : body[k]));
  }

  // Changed characters marked: <del> what went, <ins> what came (an LCS over characters; answers are short).
  function markedDiff(before, after) {
    const a = [...String(before || "")], b = [...String(after || "")];
    const table = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
    for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--)
      table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    const out = el("span"); let i = 0, j = 0;
    const push = (tag, ch) => { const last = out.lastChild; if (last && last.nodeName.toLowerCase() === tag) last.textContent += ch; else out.appendChild(el(tag, ch)); };
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) { push("span", a[i]); i++; j++; }
      else if (j < b.length && (i === a.length || table[i][j + 1] >= table[i + 1][j])) { push("ins", b[j]); j++; }
      else { push("del", a[i]); i++; }
    }
    return out;
  }


  function flash(text, ok) {
    $("flash").textContent = text; $("flash").className = "status " + (ok ? "ok" : "bad");
    $("save-status").textContent = "";  // the last save's line no longer describes the entry
  }

  function options(select, values, labels) {
    const keep = select.options[0];
    select.replaceChildren(keep);
    for (const v of values) { const o = el("option", labels ? labels[v] || v : v); o.value = v; select.appendChild(o); }
  }

  // Entries -------------------------------------------------------------------------------------
  function filters() {
    return { category: $("f-category").value, hotline: $("f-hotline").value, department: $("f-department").value,
      status: $("f-status").value, stale: $("f-stale").value || "0" };
  }

  async function loadEntries() {
    const q = new URLSearchParams({ q: $("f-q").value, sort: $("f-sort").value, ...filters() });
    for (const kind of ["csv", "xlsx"]) $("export-" + kind).href = "/console/api/faq/export?" + new URLSearchParams({ format: kind, ...filters() });
    const data = await api("GET", "/console/api/faq/entries?" + q);
    if ($("f-category").options.length === 1) {
      options($("f-category"), data.categories); options($("f-department"), data.departments); options($("f-hotline"), data.hotlines, HOTLINE);
      $("e-hotline").replaceChildren(...data.hotlines.map((h) => { const o = el("option", HOTLINE[h] || h); o.value = h; return o; }));
    }
    $("count").textContent = "共 " + data.total + " 条" + (data.review_required ? "（本系统要求双人审核后发布）" : "");
    $("entries").tBodies[0].replaceChildren(...data.entries.map((e) => {
      const tr = row([e.id, e.question, e.category, (STATUS[e.status] || e.status) + (e.expired ? "（已过期）" : ""), String(e.served),
        e.helpful + " / " + e.unhelpful, beijingTime(e.updated_at, "date")]);
      tr.className = "clickable" + (e.expired ? " expired" : "");
      tr.dataset.id = e.id;
      tr.addEventListener("click", () => openEntry(e.id));
      return tr;
    }));
  }

  function fill(entry) {
    state.current = entry;
    $("editor").hidden = false;
    $("editor-title").textContent = entry.version ? "编辑条目 " + entry.id : "新建条目";
    $("e-id").value = entry.id || ""; $("e-id").readOnly = Boolean(entry.version);
    $("e-question").value = entry.question || ""; $("e-similar").value = (entry.similar_questions || []).join("\n");
    $("e-answer").value = entry.answer || ""; $("e-category").value = entry.category || "";
    $("e-hotline").value = entry.hotline || "all"; $("e-department").value = entry.department || "";
    $("e-source").value = entry.source || ""; $("e-effective").value = entry.effective_date || ""; $("e-expires").value = entry.expires_on || "";
    $("e-status").textContent = entry.version ? STATUS[entry.status] || entry.status : "未保存";
    $("e-version").textContent = entry.version || 0;
    for (const id of ["publish", "retire", "to-draft"]) $(id).hidden = !entry.version;
    preview();
  }

  async function openEntry(id) {
    const data = await api("GET", "/console/api/faq/entries/" + encodeURIComponent(id));
    fill(data.entry);
    $("duplicates").replaceChildren();
    $("diff").replaceChildren();
    $("history").tBodies[0].replaceChildren(...data.history.slice().reverse().map((h) => {
      const pick = el("input"); pick.type = "checkbox"; pick.value = h.id; pick.className = "pick";
      const back = el("button", "回滚到此版本"); back.type = "button"; back.className = "rollback";
      back.addEventListener("click", async () => {
        const live = state.current && state.current.status === "published";
        if (!window.confirm("回滚到第 " + h.version + " 版" + (live ? "，将立即对市民生效" : "") + "。确定吗？")) return;
        try { const r = await api("POST", "/console/api/faq/entries/" + encodeURIComponent(id) + "/rollback", { revision: h.id });
          flash("已回滚，当前第 " + r.entry.version + " 版", true); await openEntry(id); await loadEntries(); }
        catch (e) { flash(e.message, false); }
      });
      return row([pick, "第 " + h.version + " 版", HISTORY[h.action] || h.action, h.changed_by, beijingTime(h.changed_at), back]);
    }));
    $("editor").scrollIntoView();
  }

  function formBody() {
    return { id: $("e-id").value.trim(), question: $("e-question").value, similar_questions: $("e-similar").value.split("\n"),
      answer: $("e-answer").value, category: $("e-category").value, hotline: $("e-hotline").value, department: $("e-department").value,
      source: $("e-source").value, effective_date: $("e-effective").value, expires_on: $("e-expires").value,
      version: state.current ? state.current.version : 0 };
  }

  async function save(event) {
    event.preventDefault();
    const body = formBody();
    const isNew = !(state.current && state.current.version);
    const changed = isNew ? [] : changedFields(state.current, body);
    if (!isNew && state.current.status === "published" && changed.length &&
        !window.confirm("这是已发布的条目，保存后立即对市民生效。将改变：" + changed.map((k) => FIELDS[k]).join("、") + "。确定保存并生效吗？")) return;
    const questionChanged = isNew || changed.includes("question") || changed.includes("similar_questions");
    try {
      const r = isNew ? await api("POST", "/console/api/faq/entries", body)
                      : await api("PUT", "/console/api/faq/entries/" + encodeURIComponent(body.id), body);
      $("save-status").textContent = "已保存（第 " + r.entry.version + " 版，" + (STATUS[r.entry.status] || r.entry.status) + "）";
      $("save-status").className = "status ok";
      await openEntry(r.entry.id);
      // near duplicates are about the question: an answer edit does not raise them
      $("duplicates").replaceChildren(...(questionChanged ? r.duplicates : []).map((d) => el("li", "与已有条目 " + d.id + "「" + d.question + "」很接近（" + d.score.toFixed(2) + "）")));
      await loadEntries();
    } catch (e) { $("save-status").textContent = e.message; $("save-status").className = "status bad"; }
  }

  async function setStatus(action) {
    try {
      const r = await api("POST", "/console/api/faq/entries/" + encodeURIComponent(state.current.id) + "/status/" + action);
      flash("第 " + r.entry.version + " 版：" + (STATUS[r.entry.status] || r.entry.status), true);
      await openEntry(r.entry.id); await loadEntries();
    } catch (e) { flash(e.message, false); }
  }

  async function compare() {
    const picked = [...document.querySelectorAll("#history .pick:checked")].map((c) => c.value).sort((a, b) => a - b);
    if (picked.length !== 2) { flash("请勾选两个版本", false); return; }
    const r = await api("GET", "/console/api/faq/entries/" + encodeURIComponent(state.current.id) + "/diff?from=" + picked[0] + "&to=" + picked[1]);
    const text = (v) => (Array.isArray(v) ? v.join("；") : v == null ? "" : String(v));
    $("diff").replaceChildren(...(r.changes.length ? r.changes.map((c) => {
      const li = el("li", (FIELDS[c.field] || c.field) + "：");
      li.appendChild(markedDiff(text(c.before), text(c.after)));
      return li;
    }) : [el("li", "两个版本内容相同")]));
  }

  let previewTimer = null;
  function preview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(async () => {
      const r = await api("POST", "/console/api/faq/preview", { answer: $("e-answer").value }).catch(() => null);
      if (!r) return;
      $("preview-webchat").textContent = r.webchat;
      $("preview-wechat").replaceChildren(...r.wechat.map((p) => el("li", p)));
      $("preview-links").textContent = (r.links.length ? "链接：" + r.links.join("，") : "") + (r.too_long ? " 答复超过 4000 字，请精简" : "");
    }, 300);
  }

  // Try it ---------------------------------------------------------------------------------------
  async function tryIt(event) {
    event.preventDefault();
    const r = await api("POST", "/console/api/faq/try", { question: $("try-q").value });
    const words = { answer: "直接答复", clarify: "给出选项请市民确认", decline: "无法答复（转人工或留言）" };
    $("try-decision").textContent = "智能助手会：" + (words[r.decision] || r.decision) + "（知识库版本 " + r.knowledge_base_version + "）";
    $("try-results").tBodies[0].replaceChildren(...r.candidates.map((c) => row([c.score.toFixed(3), c.id, c.question, c.matched,
      Object.entries(c.parts).map(([k, v]) => (MATCHERS[k] || k) + " " + v.toFixed(2)).join("，")])));
  }

  // Unanswered -----------------------------------------------------------------------------------
  async function loadUnanswered() {
    const r = await api("GET", "/console/api/faq/unanswered");
    $("unanswered").tBodies[0].replaceChildren(...r.groups.map((g) => {
      const links = el("span");
      for (const c of g.conversations.slice(0, 5)) {
        const a = el("a", c.slice(0, 8) + "…"); a.href = "#"; a.className = "conversation";
        a.addEventListener("click", (e) => { e.preventDefault(); showConversation(c); });
        links.appendChild(a); links.appendChild(document.createTextNode(" "));
      }
      const actions = el("span");
      const draft = el("button", "新建条目"); draft.type = "button"; draft.className = "to-draft";
      draft.addEventListener("click", async () => {
        const d = await api("POST", "/console/api/faq/unanswered/draft", { keys: g.keys });
        switchTab("entries"); await loadEntries(); await openEntry(d.entry.id); flash("已建草稿，请填写答复后发布", true);
      });
      const similar = el("button", "加为相似问法"); similar.type = "button";
      similar.addEventListener("click", async () => {
        const id = window.prompt("加到哪个条目（编号）？");
        if (!id) return;
        try { await api("POST", "/console/api/faq/unanswered/similar", { keys: g.keys, entry_id: id }); flash("已加入 " + id, true); await loadUnanswered(); }
        catch (e) { flash(e.message, false); }
      });
      const dismiss = el("button", "忽略"); dismiss.type = "button";
      dismiss.addEventListener("click", async () => { await api("POST", "/console/api/faq/unanswered/dismiss", { keys: g.keys }); await loadUnanswered(); });
      actions.append(draft, similar, dismiss);
      return row([g.text, String(g.count), beijingTime(g.first_at, "date") + " / " + beijingTime(g.last_at, "date"), links, actions]);
    }));
  }

  async function showConversation(id) {
    const r = await api("GET", "/console/api/faq/conversations/" + encodeURIComponent(id));
    $("conversation-view").hidden = false;
    $("conversation-lines").replaceChildren(...r.lines.map((l) => el("li", ({ citizen: "市民", bot: "智能助手", staff: "工号 " + l.staff_no, system: "—" }[l.who]) + "：" + l.text)));
  }

  // Import / export ------------------------------------------------------------------------------
  async function previewImport(event) {
    event.preventDefault();
    const file = $("import-file").files[0];
    if (!file) return;
    const form = new FormData(); form.append("file", file);
    try {
      const r = await api("POST", "/console/api/faq/import/preview", form, true);
      state.importToken = r.token;
      $("import-counts").textContent = "新增 " + r.counts.new + "，修改 " + r.counts.changed + "，不变 " + r.counts.unchanged + "，拒绝 " + r.counts.rejected;
      $("import-rows").tBodies[0].replaceChildren(...r.rows.map((x) => { const tr = row([String(x.line), x.entry_id, OUTCOME[x.outcome] || x.outcome, x.reason || x.changes.join("、")]); tr.className = "outcome-" + x.outcome; return tr; }));
      $("import-apply").hidden = false;
    } catch (e) { flash(e.message, false); }
  }

  async function applyImport() {
    const r = await api("POST", "/console/api/faq/import/apply", { token: state.importToken });
    flash("已导入：" + r.summary, true); $("import-apply").hidden = true; await loadEntries();
  }

  function switchTab(name) {
    for (const b of document.querySelectorAll(".tabs button")) b.classList.toggle("active", b.dataset.tab === name);
    for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== "tab-" + name;
    if (name === "unanswered") loadUnanswered();
  }

  async function start() {
    state.me = await window.ConsoleKit.signedIn();
    $("who").textContent = state.me.display_name + "（工号 " + state.me.staff_no + "）";
    for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => switchTab(b.dataset.tab));
    $("filters").addEventListener("submit", (e) => { e.preventDefault(); loadEntries(); });
    $("new-entry").addEventListener("click", () => { fill({ hotline: "all", status: "draft", version: 0 }); $("history").tBodies[0].replaceChildren(); });
    $("entry-form").addEventListener("submit", save);
    $("publish").addEventListener("click", () => setStatus("publish"));
    $("retire").addEventListener("click", () => setStatus("retire"));
    $("to-draft").addEventListener("click", () => setStatus("draft"));
    $("compare").addEventListener("click", compare);
    $("e-answer").addEventListener("input", preview);
    $("try-form").addEventListener("submit", tryIt);
    $("import-form").addEventListener("submit", previewImport);
    $("import-apply").addEventListener("click", applyImport);
    await loadEntries();
  }

  start();
})();
