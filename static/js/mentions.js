// The people picker for @mentions: typing "@" and a few letters in a textarea that carries
// data-people lists matching colleagues; choosing one inserts "@[Full Name]".
(function () {
  "use strict";
  function setup(area) {
    var list = document.createElement("ul");
    list.className = "mention-picker";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    area.insertAdjacentElement("afterend", list);
    var timer = null;

    function word() {
      var before = area.value.slice(0, area.selectionStart);
      var match = /@([^\s@\[\]]{1,40})$/.exec(before);
      return match ? match[1] : null;
    }

    function choose(name) {
      var pos = area.selectionStart;
      var before = area.value.slice(0, pos).replace(/@[^\s@\[\]]{1,40}$/, "@[" + name + "] ");
      area.value = before + area.value.slice(pos);
      area.selectionStart = area.selectionEnd = before.length;
      list.hidden = true;
      area.focus();
    }

    function show(items) {
      list.textContent = "";
      items.forEach(function (person) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = person.name;
        button.addEventListener("click", function () { choose(person.name); });
        li.appendChild(button);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    area.addEventListener("input", function () {
      var q = word();
      clearTimeout(timer);
      if (!q) { list.hidden = true; return; }
      timer = setTimeout(function () {
        fetch(area.dataset.people + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {items: []}; })
          .then(function (data) { show(data.items || []); });
      }, 150);
    });
    area.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { list.hidden = true; }
    });
  }
  document.querySelectorAll("textarea[data-people]").forEach(setup);
})();
