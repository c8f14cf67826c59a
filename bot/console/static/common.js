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

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // Who is signed in; later calls carry the session's CSRF token. Wires the page's 退出 button.
  async function signedIn() {
    const me = await api("GET", "/console/api/me");
    csrf = me.csrf;
    const logout = document.getElementById("logout");
    if (logout) logout.addEventListener("click", async () => { await api("POST", "/console/logout").catch(() => {}); window.location.href = "/console/login"; });
    return me;
  }

  return { api, el, signedIn };
})();
