// 账号与部门 (admins): staff accounts and departments. Names go into URLs percent-encoded (they are Chinese).
(function () {
  "use strict";
  const { api, el, row, cell, button, show } = window.ConsoleKit;
  const $ = (id) => document.getElementById(id);
  let me = null;
  let departments = [];




  // A <select> of the active departments; a current one that was deactivated stays visible as such.
  function fillDepartments(select, current) {
    const names = departments.slice();
    if (current && !names.includes(current)) names.unshift(current);
    select.replaceChildren(...names.map((name) => {
      const o = el("option", departments.includes(name) ? name : name + "（已停用）"); o.value = name; return o;
    }));
    if (current) select.value = current;
    return select;
  }

  async function change(statusId, url, body, done) {
    let outcome = [done, true];
    try { await api("POST", url, body); } catch (e) { outcome = [e.message, false]; }
    await loadDepartments(); await loadUsers();
    show(statusId, ...outcome);
  }

  function userDepartment(u) {
    const select = fillDepartments(el("select"), u.department);
    select.addEventListener("change", () => change("user-status", "/console/api/users/" + encodeURIComponent(u.username) + "/department",
      { department: select.value }, u.username + " 已调至 " + select.value));
    return select;
  }

  async function loadUsers() {
    const data = await api("GET", "/console/api/users");
    $("users").tBodies[0].replaceChildren(...data.users.map((u) => {
      const tr = row([u.staff_no, u.username, u.display_name, me.labels.roles[u.role] || u.role]);
      tr.appendChild(u.role === "department" ? cell(userDepartment(u)) : el("td", "—"));
      tr.appendChild(el("td", u.active ? "在用" : "已停用"));
      tr.appendChild(cell(button(u.active ? "停用" : "启用", () => change("user-status",
        "/console/api/users/" + encodeURIComponent(u.username) + "/active", { active: !u.active },
        u.username + (u.active ? " 已停用并退出登录" : " 已启用")), u.username === me.username)));
      tr.lastChild.appendChild(button("重置密码", () => {
        const password = window.prompt("为 " + u.username + " 设置新密码（至少 10 个字符，字母加数字或符号）：");
        if (password) change("user-status", "/console/api/users/" + encodeURIComponent(u.username) + "/password",
          { password }, u.username + " 的密码已重置，其登录已全部退出");
      }));
      return tr;
    }));
  }

  async function loadDepartments() {
    const data = await api("GET", "/console/api/departments");
    departments = data.departments.filter((d) => d.active).map((d) => d.name);
    const chosen = $("new-user-department").value;
    fillDepartments($("new-user-department"), departments.includes(chosen) ? chosen : "");
    $("departments").tBodies[0].replaceChildren(...data.departments.map((d) => {
      const tr = row([d.name, String(d.staff), String(d.open_tickets), d.active ? "启用" : "已停用"]);
      tr.appendChild(cell(button(d.active ? "停用" : "启用", () => change("department-status",
        "/console/api/departments/" + encodeURIComponent(d.name) + "/active", { active: !d.active },
        d.name + (d.active ? " 已停用，新工单不再自动分派到该部门" : " 已启用")))));
      return tr;
    }));
  }


  // 工作日历: which years have an official holiday schedule, and loading one (form or YAML file).
  async function loadCalendar() {
    const data = await api("GET", "/console/api/calendar");
    const status = (y) => y.loaded ? "已载入" : y.covered ? "内置" : "未载入（按周末估算）";
    $("calendar-years").tBodies[0].replaceChildren(...data.years.map((y) => {
      const tr = row([String(y.year), status(y), y.holidays === null ? "—" : String(y.holidays),
        y.workdays === null ? "—" : String(y.workdays), y.source || "—", y.loaded_by || "—",
        y.loaded_at ? window.ConsoleKit.beijingTime(y.loaded_at) : "—"]);
      if (!y.covered) tr.className = "missing";
      return tr;
    }));
  }

  async function loadYear(body) {
    try {
      const r = await api("POST", "/console/api/calendar", body);
      show("calendar-status", "已载入 " + r.year + " 年：放假 " + r.holidays + " 天，调休上班 " + r.workdays + " 天" +
        (r.replaced ? "（替换了之前载入的安排）" : ""), true);
      await loadCalendar();
      return true;
    } catch (e) { show("calendar-status", e.message, false); return false; }
  }

  function wireCalendar() {
    $("calendar-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await loadYear({ year: $("cal-year").value, holidays: $("cal-holidays").value, workdays: $("cal-workdays").value,
        source: $("cal-source").value })) $("calendar-form").reset();
    });
    $("calendar-upload").addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = $("cal-file").files[0];
      if (!file) { show("calendar-status", "请选择 YAML 文件", false); return; }
      if (await loadYear({ yaml: await file.text(), source: $("cal-source").value })) $("calendar-upload").reset();
    });
  }

  function wireAdmin() {
    const showDepartment = () => { $("new-user-department").hidden = $("new-role").value !== "department"; };
    $("new-role").addEventListener("change", showDepartment);
    $("user-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const role = $("new-role").value;
      try {
        const u = await api("POST", "/console/api/users", {
          username: $("new-username").value, staff_no: $("new-staff-no").value, display_name: $("new-name").value,
          role, password: $("new-password").value, department: role === "department" ? $("new-user-department").value : "" });
        show("user-status", "已添加 " + u.username + "（工号 " + u.staff_no + "）", true);
        $("user-form").reset(); showDepartment();
        await loadDepartments(); await loadUsers();
      } catch (e) { show("user-status", e.message, false); }
    });
    $("department-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const d = await api("POST", "/console/api/departments", { name: $("new-department").value });
        show("department-status", "已添加 " + d.name, true);
        $("department-form").reset();
        await loadDepartments();
      } catch (e) { show("department-status", e.message, false); }
    });
  }


  async function start() {
    me = await window.ConsoleKit.signedIn();
    $("who").textContent = me.display_name + "（工号 " + me.staff_no + "）";
    window.ConsoleKit.options("new-role", me.labels.roles);
    wireAdmin();
    wireCalendar();
    await loadDepartments();
    await loadUsers();
    await loadCalendar();
  }

  start();
})();
