// Ticket handling: list with filters, detail, status flow, notes, extensions. Text via textContent only.
(function () {
  "use strict";
  let LABELS = null;  // the server's ticket labels (bot/tickets/labels.yml), from /console/api/me
  const $ = (id) => document.getElementById(id);
  const state = { me: null, number: null };

  const { api, el, beijingTime } = window.ConsoleKit;
  // 预计: counted on weekends only, the year's holiday schedule not loaded yet (it may move).
  function dueText(t) { return t.deadline_certain === false ? t.deadline + "（预计）" : t.deadline; }
  function flash(text, ok) { $("flash").textContent = text; $("flash").className = "status " + (ok ? "ok" : "bad"); }

  async function load() {
    const q = new URLSearchParams({ q: $("f-q").value.trim(), status: $("f-status").value, category: $("f-category").value,
      department: $("f-department").value, channel: $("f-channel").value, due_within: $("f-due").value || "0", overdue: $("f-overdue").checked ? "1" : "",
      attention: $("f-attention").checked ? "1" : "" });
    const data = await api("GET", "/console/api/tickets?" + q);
    if ($("f-department").options.length === 1) {
      for (const d of data.departments) { for (const s of [$("f-department"), $("a-department")]) { const o = el("option", d); o.value = d; s.appendChild(o); } }
    }
    $("tickets").tBodies[0].replaceChildren(...data.tickets.map((t) => {
      const tr = el("tr");
      for (const v of [t.number, t.category, t.status_label, t.department || "待分派", t.channel_label,
        beijingTime(t.accepted_at), dueText(t),
        [LABELS.deadline_states[t.deadline_state], t.attention_label, t.group_id ? "同源组 " + t.group_id : ""].filter(Boolean).join(" · ")]) tr.appendChild(el("td", v));
      tr.className = "clickable" + (t.deadline_state ? " " + t.deadline_state : "");
      tr.dataset.number = t.number;
      tr.addEventListener("click", () => open(t.number));
      return tr;
    }));
  }

  async function open(number, reveal) {
    state.number = number;
    const path = "/console/api/tickets/" + encodeURIComponent(number);
    let d;
    try { d = reveal ? await api("POST", path + "/reveal") : await api("GET", path); }
    catch (e) { flash(e.message, false); return; }
    if (window.location.hash !== "#" + number) history.replaceState(null, "", "#" + number);  // a link to this ticket
    $("detail").hidden = false;
    $("d-status").textContent = "";
    for (const node of document.querySelectorAll("#detail [data-action]")) node.hidden = !d.actions.includes(node.dataset.action);
    $("d-notices-box").hidden = d.notices.length === 0;
    $("d-ratings-box").hidden = d.ratings.length === 0;
    $("d-title").textContent = d.number + " · " + d.category_label + " · " + d.status_label + " · 答复期限 " + dueText(d) + (d.is_major ? " · 重大" : "");
    const fields = [["承办部门", d.department || "待分派"], ...Object.entries(d.fields).map(([k, v]) => [d.field_labels[k] || k, v]), ["最新答复", d.latest_reply || "暂无"]];
    $("d-fields").replaceChildren(...fields.flatMap(([k, v]) => [el("dt", k), el("dd", String(v))]));
    const current = d.department || (d.suggestions[0] && d.suggestions[0].department) || "";
    if (current) $("a-department").value = current;
    $("d-suggestions").replaceChildren(...d.suggestions.map((c) => {
      const pick = el("button", c.department + " " + Math.round(c.confidence * 100) + "%"); pick.type = "button";
      pick.addEventListener("click", () => { $("a-department").value = c.department; });
      return pick;
    }));
    $("d-suggestions-row").hidden = d.suggestions.length === 0;
    $("d-contact").textContent = d.contact.anonymous ? "匿名" : d.contact.name + " " + d.contact.phone;
    $("reveal").hidden = !d.can_reveal || d.contact.anonymous || reveal;
    $("d-events").replaceChildren(...d.events.map((e) => el("li", beijingTime(e.at) + " " + (LABELS.events[e.kind] || e.kind) + " " + (e.actor_label || e.actor) +
      (e.kind.startsWith("co_") && e.detail.department ? "（" + e.detail.department + "）" : "") +
      (e.detail.departments ? "：" + (e.detail.departments.join("、") || "无") : "") +
      (e.detail.reply ? "：" + e.detail.reply : "") + (e.detail.rating ? "：" + LABELS.ratings[e.detail.rating] : "") + (e.detail.outcome ? "：" + e.detail.outcome : "") + (e.detail.text ? "：" + e.detail.text : "") + (e.detail.reason ? "：" + e.detail.reason + "（至 " + e.detail.to + "）" : ""))));
    $("d-notices").replaceChildren(...d.notices.map((n) => el("li", beijingTime(n.at) + " " + n.kind_label + "：" + (LABELS.notice_statuses[n.status] || n.status) + (n.reason ? "（" + n.reason + "）" : ""))));
    $("d-ratings").replaceChildren(...d.ratings.map((r) => el("li", "第 " + r.round + " 次办结：" + r.rating_label + (r.comment ? "，" + r.comment : ""))));
    showGroup(d.group);
    showCo(d);
    $("d-transcript").replaceChildren(...d.transcript.map((l) => el("li", (l.who === "system" ? "—— " + l.text + " ——" : { citizen: "市民", bot: "智能助手", staff: "工号 " + l.staff_no }[l.who] + "：" + l.text))));
  }

  // 同源诉求: the tickets of several citizens about one matter; hotline staff confirm, split or merge.
  function showGroup(g) {
    const hotline = ["agent", "supervisor", "admin"].includes(state.me.role);
    $("d-group-box").hidden = !g;
    $("group-merge-row").hidden = !hotline;
    $("group-actions").hidden = !hotline;
    $("a-group-reply-row").hidden = !g || g.size < 2;
    $("a-group-reply").checked = false;
    if (!g) return;
    $("d-group-info").textContent = "共 " + g.size + " 件，" + g.citizens + " 位市民反映" + (g.place ? "（" + g.place + "）" : "") +
      (g.confirmed ? " · 已确认同源" : " · 系统关联，待确认");
    $("group-confirm").hidden = g.confirmed;
    $("d-group").replaceChildren(...g.tickets.map((t) => {
      const li = el("li", t.number + " · " + t.category_label + " · " + t.status_label + " · " + (t.department || "待分派") + (t.this ? "（本工单）" : ""));
      if (!t.this) { li.className = "clickable"; li.addEventListener("click", () => open(t.number)); }
      return li;
    }));
  }

  // 主办 / 协办: the co-departments' parts; hotline staff choose them (the router's runner-ups suggested).
  function showCo(d) {
    $("d-co-box").hidden = d.co_departments.length === 0 && !d.actions.includes("co_reply");
    $("d-co").replaceChildren(...d.co_departments.map((c) => el("li", c.department + " · " + c.status_label + (c.reply ? "：" + c.reply : ""))));
    const chosen = new Set(d.co_departments.map((c) => c.department));
    $("co-choices").replaceChildren(...d.departments.filter((name) => name !== d.department).map((name) => {
      const label = el("label"); const box = el("input"); box.type = "checkbox"; box.value = name; box.checked = chosen.has(name);
      label.append(box, " " + name); return label;
    }));
    $("co-suggested").textContent = d.co_suggested.length ? "系统建议：" + d.co_suggested.join("、") : "系统没有建议";
  }

  async function loadCallBacks() {
    if (!["agent", "supervisor", "admin"].includes(state.me.role)) return;
    const data = await api("GET", "/console/api/call-backs");
    $("callbacks-panel").hidden = data.call_backs.length === 0;
    $("callbacks").tBodies[0].replaceChildren(...data.call_backs.map((c) => {
      const tr = el("tr");
      for (const v of [c.number, c.kind_label, c.channel_label, c.reason]) tr.appendChild(el("td", v));
      const phone = el("td", c.anonymous ? "匿名，无法回访" : c.protected ? "举报人信息受保护，请督办人员回访" : c.phone);
      if (!c.anonymous && !c.protected) {
        const show = el("button", "显示号码（将记录）"); show.type = "button";
        show.addEventListener("click", async () => { phone.textContent = (await api("POST", "/console/api/call-backs/" + c.id + "/phone")).phone; });
        phone.appendChild(show);
      }
      tr.appendChild(phone);
      const done = el("td"); const outcome = el("input"); outcome.placeholder = "回访结果";
      const button = el("button", "已回访"); button.type = "button"; button.className = "call-back-done";
      button.addEventListener("click", async () => {
        try { await api("POST", "/console/api/call-backs/" + c.id + "/done", { outcome: outcome.value }); flash("已记录回访", true); await loadCallBacks(); }
        catch (e) { flash(e.message, false); }
      });
      done.append(outcome, button); tr.appendChild(done);
      tr.dataset.number = c.number;
      return tr;
    }));
  }

  // The outcome shows beside the buttons, where the person is looking; what they typed is cleared once saved.
  async function act(action, body, typed) {
    const status = $("d-status");
    try {
      await api("POST", "/console/api/tickets/" + encodeURIComponent(state.number) + "/" + action, body || {});
      for (const id of typed || []) $(id).value = "";
      await open(state.number); await load();
      status.textContent = "已完成"; status.className = "status ok";
    } catch (e) { status.textContent = e.message; status.className = "status bad"; }
  }

  async function start() {
    state.me = await window.ConsoleKit.signedIn();
    $("who").textContent = state.me.display_name + "（工号 " + state.me.staff_no + "）";
    LABELS = state.me.labels.tickets;
    window.ConsoleKit.options("f-status", LABELS.statuses);
    window.ConsoleKit.options("f-category", LABELS.categories);
    $("filters").addEventListener("submit", (e) => { e.preventDefault(); load(); });
    $("reveal").addEventListener("click", () => open(state.number, true));
    $("assign").addEventListener("click", () => act("assign", { department: $("a-department").value }));
    $("start").addEventListener("click", () => act("start"));
    $("reply").addEventListener("click", () => act("reply", { text: $("a-reply").value, whole_group: $("a-group-reply").checked }, ["a-reply"]));
    $("group-confirm").addEventListener("click", () => act("group", { action: "confirm" }));
    $("co-save").addEventListener("click", () => act("co", { departments: [...document.querySelectorAll("#co-choices input:checked")].map((b) => b.value) }));
    $("co-accept").addEventListener("click", () => act("co_accept"));
    $("co-reply").addEventListener("click", () => act("co_reply", { text: $("a-co-reply").value }, ["a-co-reply"]));
    $("group-split").addEventListener("click", () => act("group", { action: "split" }));
    $("group-merge").addEventListener("click", () => act("group", { action: "merge", into: $("group-into").value }, ["group-into"]));
    $("close").addEventListener("click", () => act("close"));
    $("note").addEventListener("click", () => act("note", { text: $("a-note").value }, ["a-note"]));
    $("extend").addEventListener("click", () => act("extend", { working_days: Number($("a-days").value), reason: $("a-reason").value }, ["a-reason"]));
    await load();
    await loadCallBacks();
    const linked = decodeURIComponent(window.location.hash.slice(1));
    if (linked) await open(linked);  // opened from a link, or the page was reloaded
    window.addEventListener("hashchange", () => {  // a link to another ticket while this page is open
      const number = decodeURIComponent(window.location.hash.slice(1));
      if (number && number !== state.number) open(number);
    });
  }

  start();
})();
