/* Plan Portal: the autocomplete of people to mention in a comment (issue 12).
 *
 *   <textarea data-mention-input data-mention-url="/tasks/7/mentions.json">
 *
 * Typing "@" and part of a name or user name (accents optional: the server folds
 * them) lists matching people; a click, Enter or Tab puts "@username " in the text.
 * Arrow keys move, Escape closes. Delegated listeners only (no inline handlers,
 * CSP), so forms swapped in by htmx work too. Without JavaScript one types
 * "@username" by hand and the server resolves it the same way.
 */
(function () {
  "use strict";

  // "@" then what follows up to the caret: a user name or a full name, so up to
  // three spaces ("@nguyen thi h"); a longer run is ordinary text again.
  var TOKEN = /(^|[\s(,;])@((?:[^@\s]+ ){0,3}[^@\s]*)$/u;
  var list = null;      // the open <ul role=listbox>, or null
  var field = null;     // the textarea it belongs to
  var timer = null;
  var serial = 0;

  function tokenBeforeCaret(el) {
    var match = TOKEN.exec(el.value.slice(0, el.selectionStart));
    return match ? { query: match[2], start: el.selectionStart - match[2].length - 1 } : null;
  }

  function close() {
    if (list) {
      list.remove();
    }
    if (field) {
      field.removeAttribute("aria-activedescendant");
      field.removeAttribute("aria-controls");
    }
    list = null;
    field = null;
  }

  function options() {
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }

  function select(index) {
    var all = options();
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (all[index]) {
      field.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    }
  }

  function selectedIndex() {
    return options().findIndex(function (option) { return option.getAttribute("aria-selected") === "true"; });
  }

  function choose(option) {
    var el = field;
    var token = tokenBeforeCaret(el);
    if (!token) {
      close();
      return;
    }
    var insert = "@" + option.getAttribute("data-username") + " ";
    var after = el.value.slice(el.selectionStart);
    el.value = el.value.slice(0, token.start) + insert + after;
    var caret = token.start + insert.length;
    el.setSelectionRange(caret, caret);
    close();
    el.focus();
  }

  function show(el, people) {
    close();
    if (!people.length) {
      return;
    }
    field = el;
    list = document.createElement("ul");
    list.className = "mention-list";
    list.id = el.id + "-mentions";
    list.setAttribute("role", "listbox");
    list.setAttribute("data-testid", "mention-list");
    people.forEach(function (person, i) {
      var item = document.createElement("li");
      item.id = list.id + "-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("data-username", person.username);
      item.textContent = person.name + " ";
      var small = document.createElement("small");
      small.textContent = "@" + person.username;
      item.appendChild(small);
      list.appendChild(item);
    });
    el.insertAdjacentElement("afterend", list);
    el.setAttribute("aria-controls", list.id);
    select(0);
  }

  function lookup(el) {
    var token = tokenBeforeCaret(el);
    if (!token) {
      close();
      return;
    }
    var mine = ++serial;
    var url = el.getAttribute("data-mention-url") + "?q=" + encodeURIComponent(token.query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { people: [] }; })
      .then(function (data) {
        if (mine === serial && document.activeElement === el) {
          show(el, data.people || []);
        }
      })
      .catch(close);
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("textarea[data-mention-input]")) {
      return;
    }
    el.setAttribute("aria-autocomplete", "list");
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { lookup(el); }, 120);
  });

  document.addEventListener("keydown", function (event) {
    if (!list || event.target !== field) {
      return;
    }
    var count = options().length;
    var index = selectedIndex();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      select((index + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
    } else if ((event.key === "Enter" || event.key === "Tab") && index >= 0) {
      event.preventDefault();
      choose(options()[index]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  // mousedown, not click: the textarea keeps its focus and caret.
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest(".mention-list [role=option]");
    if (option) {
      event.preventDefault();
      choose(option);
    } else if (list && event.target !== field) {
      close();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === field) {
      window.setTimeout(function () {
        if (field && document.activeElement !== field) {
          close();
        }
      }, 150);
    }
  });
})();
