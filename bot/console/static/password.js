// A staff member changes their own password; the server ends their sessions on other devices.
(() => {
  "use strict";
  const { api, signedIn } = window.ConsoleKit;
  const $ = (id) => document.getElementById(id);

  async function save(event) {
    event.preventDefault();
    const status = $("status");
    if ($("new").value !== $("repeat").value) { status.textContent = "两次输入的新密码不一致"; return; }
    try {
      await api("POST", "/console/api/me/password", { current: $("current").value, new: $("new").value });
      $("password-form").reset();
      status.className = "ok";
      status.textContent = "密码已修改，其他设备上的登录已退出。";
    } catch (e) {
      status.className = "error";
      status.textContent = e.message;
    }
  }

  signedIn().then((me) => {
    $("who").textContent = me.display_name + "（工号 " + me.staff_no + "）";
    $("password-form").addEventListener("submit", save);
  });
})();
