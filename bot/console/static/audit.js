// 操作日志 (supervisors, admins): the audit log, newest first, filtered and paged (50 at a time).
(function () {
  "use strict";
  const { api, el, beijingTime, row } = window.ConsoleKit;
  const $ = (id) => document.getElementById(id);
  const pages = [null];  // where each page seen so far starts ("before" cursor); the first has none
  let page = 0;

  function query(before) {
    const q = new URLSearchParams({ action: $("f-action").value, staff_no: $("f-staff").value.trim(),
      from: $("f-from").value, to: $("f-to").value });
    if (before) q.set("before", before);
    return q;
  }

  async function load() {
    const data = await api("GET", "/console/api/audit?" + query(pages[page]));
    if ($("f-action").options.length === 1) {
      for (const a of data.actions) { const o = el("option", a.label); o.value = a.action; $("f-action").appendChild(o); }
    }
    $("audit").tBodies[0].replaceChildren(...data.entries.map((e) => row([
      beijingTime(e.at), e.staff_no ? "工号 " + e.staff_no : "系统", e.action_label || e.action,
      ((e.target_type || "") + " " + (e.target_id || "")).trim()])));
    pages[page + 1] = data.next_before;
    $("older").hidden = !data.next_before;
    $("newer").hidden = page === 0;
    $("page-info").textContent = data.entries.length ? "第 " + (page + 1) + " 页" : "没有符合条件的记录";
  }

  async function start() {
    const me = await window.ConsoleKit.signedIn();
    $("who").textContent = me.display_name + "（工号 " + me.staff_no + "）";
    $("audit-filters").addEventListener("submit", (e) => { e.preventDefault(); pages.length = 1; page = 0; load(); });
    $("older").addEventListener("click", () => { page += 1; load(); });
    $("newer").addEventListener("click", () => { page = Math.max(0, page - 1); load(); });
    await load();
  }

  start();
})();
