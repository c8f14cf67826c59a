// Shared by every console page: JSON calls with the session's CSRF token, and safe element building.
// Pages read texts from the server into textContent only, never into innerHTML.
window.ConsoleKit = (function () {
  "use strict";
  let csrf = "";

  // poll: a background refresh, not the person's doing: it does not keep the session from idling out.
  async function api(method, url, body, isForm, poll) {
    const options = { method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (poll) options.headers["X-Console-Poll"] = "1";
    if (body !== undefined) {
      if (isForm) { options.body = body; } else { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    }
    const response = await fetch(url, options);
    if (response.status === 401) { window.location.href = "/console/login"; throw new Error("signed out"); }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { const e = new Error(data.error || "请求失败（" + response.status + "）"); e.status = response.status; throw e; }
    return data;
  }

  // Every time a person reads is Beijing time (the hotline's), whatever the browser's own zone. The
  // server sends instants in UTC (ISO 8601; one without a zone is UTC too). part: "date" | "time" | both.
  const BEIJING = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function beijingTime(iso, part) {
    if (!iso) return "";
    const instant = new Date(/(?:[zZ]|[+-]\d\d:?\d\d)$/.test(iso) ? iso : iso + "Z");
    if (isNaN(instant.getTime())) return String(iso);
    const p = Object.fromEntries(BEIJING.formatToParts(instant).map((x) => [x.type, x.value]));
    const day = p.year + "-" + p.month + "-" + p.day, time = p.hour + ":" + p.minute;
    return part === "date" ? day : part === "time" ? time : day + " " + time;
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // Table rows and small controls the pages build, and a status line's outcome.
  function row(cells) {
    const tr = el("tr");
    for (const value of cells) tr.appendChild(value instanceof Node ? cell(value) : el("td", value));
    return tr;
  }

  function cell(node) {
    const td = el("td"); td.appendChild(node); return td;
  }

  function button(text, onClick, disabled) {
    const b = el("button", text); b.type = "button"; b.disabled = Boolean(disabled);
    b.addEventListener("click", onClick);
    return b;
  }

  // A select's options from one of the server's label maps (value → text), after any options it has.
  function options(selectId, labels) {
    const select = document.getElementById(selectId);
    for (const [value, text] of Object.entries(labels)) { const o = el("option", text); o.value = value; select.appendChild(o); }
  }

  function show(statusId, text, ok) {
    const node = document.getElementById(statusId); node.textContent = text; node.className = "status " + (ok ? "ok" : "bad");
  }

  // One navigation for every page: the pages this role may open (the server says which), the current one marked.
  function navigation(pages) {
    const nav = document.getElementById("nav");
    if (!nav) return;
    nav.replaceChildren(...pages.map(({ href, text }) => {
      const link = el("a", text); link.href = href;
      if (window.location.pathname === href) link.setAttribute("aria-current", "page");
      return link;
    }));
  }

  // Warnings for this role on every page (for admins: a year's holiday schedule not loaded yet).
  function warn(texts) {
    const header = document.querySelector("header");
    if (!header || !texts.length) return;
    const banner = el("div", null, "banner warning"); banner.id = "warnings"; banner.setAttribute("role", "alert");
    banner.replaceChildren(...texts.map((t) => el("p", t)));
    header.after(banner);
  }

  // Who is signed in, the pages they may open and the labels pages show (ticket statuses, roles: the
  // server's, never copies); later calls carry the session's CSRF token. Wires the page's 退出 button.
  async function signedIn() {
    const me = await api("GET", "/console/api/me");
    csrf = me.csrf;
    navigation(me.pages);
    warn(me.warnings || []);
    const logout = document.getElementById("logout");
    if (logout) logout.addEventListener("click", async () => { await api("POST", "/console/logout").catch(() => {}); window.location.href = "/console/login"; });
    return me;
  }

  return { api, el, signedIn, beijingTime, row, cell, button, show, options };
})();
