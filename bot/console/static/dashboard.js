// Supervision dashboard: the figures of a date range, bar charts drawn as SVG, overdue tickets, the
// questions left unanswered, and the exports. Text via textContent only; no libraries.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 460;
  const $ = (id) => document.getElementById(id);
  const { api, el } = window.ConsoleKit;

  function flash(text, ok) { $("flash").textContent = text; $("flash").className = "status " + (ok ? "ok" : "bad"); }

  function percent(rate) { return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%"; }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.round(seconds);
    return s < 60 ? s + " 秒" : Math.floor(s / 60) + " 分 " + String(s % 60).padStart(2, "0") + " 秒";
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function bar(x, y, width, height, tip) {
    const rect = svg("rect", { x, y, width: Math.max(0, width), height: Math.max(0, height), class: "bar" });
    rect.appendChild(svg("title", {}, tip));
    return rect;
  }

  // One horizontal bar per label (categories, channels, departments).
  function bars(container, counts) {
    const entries = Object.entries(counts);
    const row = 24, labels = 130, plot = WIDTH - labels - 40;
    const max = Math.max(1, ...entries.map(([, v]) => v));
    const chart = svg("svg", { viewBox: "0 0 " + WIDTH + " " + (Math.max(1, entries.length) * row + 4), class: "chart-svg", role: "img" });
    entries.forEach(([label, value], i) => {
      const y = i * row + 2, length = (value / max) * plot;
      chart.appendChild(svg("text", { x: labels - 6, y: y + 16, "text-anchor": "end", class: "axis" }, label.length > 10 ? label.slice(0, 9) + "…" : label));
      chart.appendChild(bar(labels, y + 3, length, row - 8, label + "：" + value));
      chart.appendChild(svg("text", { x: labels + length + 4, y: y + 16, class: "value" }, String(value)));
    });
    if (!entries.length) chart.appendChild(svg("text", { x: 8, y: 16, class: "axis" }, "无数据"));
    container.replaceChildren(chart);
  }

  // One column per day, with a few dates under the axis.
  function columns(container, counts) {
    const entries = Object.entries(counts);
    const height = 180, top = 16, bottom = 22, left = 6;
    const max = Math.max(1, ...entries.map(([, v]) => v));
    const step = (WIDTH - 2 * left) / Math.max(1, entries.length);
    const every = Math.ceil(entries.length / 7);
    const chart = svg("svg", { viewBox: "0 0 " + WIDTH + " " + height, class: "chart-svg", role: "img" });
    chart.appendChild(svg("line", { x1: left, y1: height - bottom, x2: WIDTH - left, y2: height - bottom, class: "axis-line" }));
    entries.forEach(([day, value], i) => {
      const x = left + i * step, h = (value / max) * (height - top - bottom);
      chart.appendChild(bar(x + step * 0.1, height - bottom - h, step * 0.8, h, day + "：" + value));
      if (value && entries.length <= 31) chart.appendChild(svg("text", { x: x + step / 2, y: height - bottom - h - 3, "text-anchor": "middle", class: "value" }, String(value)));
      if (i % every === 0) chart.appendChild(svg("text", { x: x + step / 2, y: height - 6, "text-anchor": "middle", class: "axis" }, day.slice(5)));
    });
    container.replaceChildren(chart);
  }

  function fill(table, rows) {
    const body = table.tBodies[0];
    if (!rows.length) {
      const td = el("td", "无"); td.colSpan = table.tHead.rows[0].cells.length;
      const tr = el("tr"); tr.appendChild(td); body.replaceChildren(tr); return;
    }
    body.replaceChildren(...rows.map((values) => { const tr = el("tr"); for (const v of values) tr.appendChild(el("td", String(v))); return tr; }));
  }

  function show(id, value, note) { $("f-" + id).textContent = value; $("n-" + id).textContent = note; }

  // 热点诉求: always the last 24 hours, whatever range the figures show.
  async function loadHotSpots() {
    const data = await api("GET", "/console/api/dashboard/hot-spots", undefined, false, true);
    const kinds = { group: "同源诉求组", place: "地点" };
    fill($("hot-spots"), data.hot_spots.map((s) => [kinds[s.kind] || s.kind, s.label, s.last_24h, s.usual_per_day, s.alert ? "是" : "—"]));
    const alerts = data.hot_spots.filter((s) => s.alert);
    $("hot-banner").hidden = alerts.length === 0;
    $("hot-banner").textContent = alerts.length ? "热点诉求预警：" + alerts.map((s) => s.label + "（24 小时 " + s.last_24h + " 件）").join("、") : "";
  }

  function render(f) {
    const v = f.volumes, s = f.self_service, h = f.handoffs, t = f.timeliness, r = f.satisfaction;
    $("start").value = f.start; $("end").value = f.end;
    $("period").textContent = f.start + " 至 " + f.end + "（北京时间），统计日 " + f.today;
    show("tickets", String(v.tickets), "会话 " + f.conversations + " 个");
    show("self-service", percent(s.rate), "自助解决 " + s.self_served + " / 咨询 " + s.asked + "（未能答复 " + s.declined + "）");
    show("handoff-rate", percent(h.rate), "转人工 " + h.requested + " / 会话 " + f.conversations + "，未接入 " + h.unclaimed);
    show("handoff-wait", duration(h.wait_median_seconds), "平均 " + duration(h.wait_mean_seconds) + " · 90 分位 " + duration(h.wait_p90_seconds) + " · 已接入 " + h.claimed);
    show("on-time", percent(t.rate), "按期 " + t.on_time + " / " + (t.answered + t.late_unanswered) + "，逾期未答复 " + t.late_unanswered + "，未到期 " + t.not_yet_due);
    show("satisfaction", percent(r.rate), Object.entries(r.by_rating).map(([k, n]) => k + " " + n).join(" · "));
    show("dispatch", percent(f.dispatch.rate), "未改派 " + f.dispatch.kept + " / 已派单 " + f.dispatch.dispatched);
    show("reopen", percent(f.reopens.rate), "不满意重新打开 " + f.reopens.reopened + " / 办结 " + f.reopens.closed);
    show("connect", percent(h.connect_rate), "已接入 " + h.claimed + " / 转人工 " + (h.requested - h.waiting) + "（仍在等待 " + h.waiting + "）");
    columns($("chart-day"), v.by_day);
    bars($("chart-category"), v.by_category);
    bars($("chart-channel"), v.by_channel);
    bars($("chart-department"), v.by_department);
    fill($("overdue"), f.overdue.map((o) => [o.number, o.category, o.department, o.deadline, o.working_days_overdue + " 个工作日"]));
    fill($("unanswered"), f.top_unanswered.map((q) => [q.text, q.count, q.last_date]));
    fill($("department-timeliness"), Object.entries(f.timeliness_by_department).map(([name, d]) =>
      [name, d.answered, d.on_time, d.late_unanswered, d.not_yet_due, percent(d.rate)]));
    loadHotSpots();
    const range = new URLSearchParams({ start: f.start, end: f.end });
    $("export-xlsx").href = "/console/api/dashboard/export.xlsx?" + range;
    $("export-figures").href = "/console/api/dashboard/figures.csv?" + range;
    $("export-tickets").href = "/console/api/dashboard/tickets.csv?" + range;
    $("weekly-report").href = "/console/reports/weekly?" + new URLSearchParams({ week: f.end });
    // The report covers the whole week of the end date, which is rarely the range above: say so.
    const monday = new Date(f.end + "T00:00:00Z"); monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
    const sunday = new Date(monday); sunday.setUTCDate(monday.getUTCDate() + 6);
    const iso = (d) => d.toISOString().slice(0, 10);
    $("weekly-report").textContent = "周报（" + iso(monday) + " 至 " + iso(sunday) + "）";
    $("weekly-note").textContent = (iso(monday) === f.start && iso(sunday) === f.end) ? "" :
      "注意：周报统计 " + iso(monday) + " 至 " + iso(sunday) + "，与上面的 " + f.start + " 至 " + f.end + " 不同，同一指标的数字可能不同。";
  }

  async function load(range) {
    try {
      render(await api("GET", "/console/api/dashboard" + (range ? "?" + new URLSearchParams(range) : "")));
      flash("", true);
    } catch (e) { flash(e.message, false); }
  }

  async function start() {
    const me = await window.ConsoleKit.signedIn();
    $("who").textContent = me.display_name + "（工号 " + me.staff_no + "）";
    $("range").addEventListener("submit", (e) => { e.preventDefault(); load({ start: $("start").value, end: $("end").value }); });
    await load(null);  // the server's default: the last 7 days up to today, Beijing time
  }

  start();
})();
