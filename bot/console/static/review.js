// NLU review: each unsure message with what the bot thought; one click sets the right intent.
(function () {
  "use strict";
  const { api, el, beijingTime } = window.ConsoleKit;
  const $ = (id) => document.getElementById(id);
  const REASON = { fallback: "没听懂", low_confidence: "把握不大", staff_corrected: "人工更正" };
  const state = { labelled: false };

  function thought(item, names) {
    const top = item.ranking.map((r) => (names[r.name] || r.name) + " " + Math.round(r.confidence * 100) + "%").join("，");
    return "助手理解为：" + (names[item.predicted] || item.predicted) + "（" + Math.round(item.confidence * 100) + "%）" + (top ? "；候选：" + top : "");
  }

  async function setLabel(item, intent, row) {
    try {
      await api("POST", "/console/api/review/" + item.id + "/label", { intent });
      row.remove();
      $("flash").textContent = "已标注";
    } catch (e) { row.querySelector(".row-error").textContent = e.message; }
  }

  async function load() {
    const data = await api("GET", "/console/api/review" + (state.labelled ? "?labelled=1" : ""));
    $("count").textContent = "共 " + data.items.length + " 条";
    $("items").replaceChildren(...data.items.map((item) => {
      const row = el("li", "", "review-item");
      row.dataset.id = item.id;
      row.appendChild(el("p", item.text, "review-text"));
      row.appendChild(el("p", REASON[item.reason] + " · " + beijingTime(item.at) + " · " + thought(item, data.names), "hint"));
      if (state.labelled) {
        row.appendChild(el("p", "标注：" + (item.label ? data.names[item.label] || item.label : "不用于训练") + "（工号 " + item.labelled_by + "）"));
      } else {
        const buttons = el("div", "", "actions");
        for (const l of data.labels) {
          const b = el("button", l.name); b.type = "button"; b.dataset.intent = l.intent;
          b.addEventListener("click", () => setLabel(item, l.intent, row));
          buttons.appendChild(b);
        }
        const skip = el("button", "不用于训练"); skip.type = "button"; skip.dataset.intent = "";
        skip.addEventListener("click", () => setLabel(item, "", row));
        buttons.appendChild(skip);
        row.appendChild(buttons);
      }
      row.appendChild(el("p", "", "row-error"));
      return row;
    }));
  }

  async function start() {
    const me = await window.ConsoleKit.signedIn();
    $("who").textContent = me.display_name + "（工号 " + me.staff_no + "）";
    $("show-pending").addEventListener("click", () => { state.labelled = false; $("show-pending").classList.add("active"); $("show-labelled").classList.remove("active"); load(); });
    $("show-labelled").addEventListener("click", () => { state.labelled = true; $("show-labelled").classList.add("active"); $("show-pending").classList.remove("active"); load(); });
    await load();
  }

  start();
})();
