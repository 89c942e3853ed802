// Country lists, shared by the SA workspace (workspace.js) and the public pre-qualification
// (prequal.js): one matcher and one chip box.
//
// countryMatcher(select, datalistId) reads a <select>'s country options (text = name,
// value = ISO code) and returns {options, datalist, match(text, exactOnly)}:
// exact name, code or common alias first ("UK" is the United Kingdom, not Ukraine), then
// the first country whose name starts with the text ("germ"), then one that contains it;
// case- and accent-insensitive ("cote" finds Côte d'Ivoire).
//
// countryBox(select, options) puts chips and a type-ahead box in front of a <select multiple>
// of countries. The select stays in the form, hidden, and carries the value (without
// JavaScript it is used as is). Keys in the box:
//   Enter      adds the first match and keeps the cursor in the box, so several countries go
//              in a row ("France" Enter "Neth" Enter). With an empty box Enter is left to the
//              page (the workspace moves to the next question, /start submits the step).
//   Backspace  in an empty box removes the country added last (else the last chip).
//   Tab        moves on; text left in the box is added when it names a country exactly,
//              otherwise it is flagged, never dropped silently.
// Picking a suggestion adds it at once. Each chip has a remove button. "France added" and
// "France removed" are announced through a polite live region.
// Options (all optional):
//   inputId          id of the new text box (default: it takes over the select's id, and the
//                    select becomes "<id>-select", so label and error links keep working)
//   label            a <label> to point at the box (for inputId)
//   chipsClass, chipsLabel, statusClass, placeholder, inputAttributes {name: value}
//   onChange(kind, option)   after a country was added ("add") or removed ("remove") by the user
//   onFlag(message), onUnflag()   text in the box that was not added, and when it is gone
//                    (default: the message is shown in the box's live region)
// Returns {input, select, values(), setValues(codes), commitTyped(exactOnly), typed(), flagged()}.
(function () {
  "use strict";
  var ALIASES = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "usa": "US", "america": "US", "united states of america": "US", "uae": "AE", "emirates": "AE",
    "turkey": "TR", "vietnam": "VN", "russia": "RU", "korea": "KR", "czech republic": "CZ",
    "holland": "NL", "ivory coast": "CI", "laos": "LA", "burma": "MM", "cape verde": "CV",
    "swaziland": "SZ", "macedonia": "MK", "iran": "IR", "syria": "SY", "bolivia": "BO"
  };
  function fold(text) {
    var t = String(text).toLowerCase();
    return t.normalize ? t.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : t;
  }
  function countryMatcher(select, datalistId) {
    var options = Array.prototype.slice.call(select.options).filter(function (o) { return o.value; });
    var byText = {};
    var byCode = {};
    var datalist = document.createElement("datalist");
    datalist.id = datalistId;
    options.forEach(function (o) {
      var text = o.text + " (" + o.value + ")";
      byText[fold(text)] = o;
      byText[fold(o.text)] = o;
      byText[fold(o.value)] = o;
      byCode[o.value] = o;
      var opt = document.createElement("option");
      opt.value = text;
      datalist.appendChild(opt);
    });
    function match(text, exactOnly) {
      var t = fold(String(text).trim()).replace(/\s+/g, " ");
      if (!t) { return null; }
      var exact = byText[t] || byCode[ALIASES[t.replace(/\./g, "")]] || null;
      if (exact || exactOnly) { return exact; }
      var i;
      for (i = 0; i < options.length; i++) {
        if (fold(options[i].text).indexOf(t) === 0) { return options[i]; }
      }
      for (i = 0; i < options.length; i++) {
        if (fold(options[i].text).indexOf(t) > 0) { return options[i]; }
      }
      return null;
    }
    return { options: options, datalist: datalist, match: match, byCode: byCode };
  }

  function countryBox(select, opts) {
    opts = opts || {};
    var id = opts.inputId || select.id;
    var matcher = countryMatcher(select, id + "-countries");
    var options = matcher.options;
    var input = document.createElement("input");
    input.type = "text";
    input.setAttribute("list", matcher.datalist.id);
    input.setAttribute("autocomplete", "off");
    input.placeholder = opts.placeholder || "Type a country, then Enter";
    var extra = opts.inputAttributes || {};
    Object.keys(extra).forEach(function (name) { input.setAttribute(name, extra[name]); });
    ["aria-describedby", "aria-invalid", "aria-required"].forEach(function (a) {
      if (select.hasAttribute(a)) { input.setAttribute(a, select.getAttribute(a)); }
    });
    if (opts.inputId) {
      input.id = opts.inputId;
      if (opts.label) { opts.label.setAttribute("for", input.id); }
    } else {
      select.id = id + "-select";
      input.id = id;
    }
    select.hidden = true;
    select.setAttribute("tabindex", "-1");
    var chips = document.createElement("ul");
    chips.className = "country-chips" + (opts.chipsClass ? " " + opts.chipsClass : "");
    chips.setAttribute("aria-label", opts.chipsLabel || "Chosen countries");
    var status = document.createElement("p");
    status.className = opts.statusClass || "help";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("data-country-status", "");
    var parent = select.parentNode;
    parent.insertBefore(chips, select);
    parent.insertBefore(input, select);
    parent.insertBefore(matcher.datalist, select);
    parent.insertBefore(status, select);

    var recent = [];      // codes added on this page, the latest last (Backspace undoes it)
    var isFlagged = false;

    function announce(text) { status.textContent = text; }
    function changed(kind, o) { if (opts.onChange) { opts.onChange(kind, o); } }
    function selected() { return options.filter(function (o) { return o.selected; }); }

    function render() {
      chips.textContent = "";
      selected().forEach(function (o) {
        var li = document.createElement("li");
        li.appendChild(document.createTextNode(o.text + " "));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + o.text);
        remove.addEventListener("click", function () {
          unselect(o);
          input.focus();
        });
        li.appendChild(remove);
        chips.appendChild(li);
      });
    }
    function unselect(o) {
      o.selected = false;
      render();
      announce(o.text + " removed");
      changed("remove", o);
    }

    function flag(message) {
      isFlagged = true;
      if (opts.onFlag) { opts.onFlag(message); } else { announce(message); }
    }
    function unflag() {
      if (!isFlagged) { return; }
      isFlagged = false;
      if (opts.onUnflag) { opts.onUnflag(); } else { announce(""); }
    }

    // Adds what the box holds (the first match, or only an exact name/code/alias).
    function add(exactOnly) {
      var o = matcher.match(input.value, exactOnly);
      if (!o) { return false; }
      unflag();
      input.value = "";
      if (o.selected) {
        announce(o.text + " is already in the list");
        return true;
      }
      o.selected = true;
      recent.push(o.value);
      render();
      announce(o.text + " added");
      changed("add", o);
      return true;
    }
    function removeLast() {
      var last = null;
      while (recent.length && !last) {
        var o = matcher.byCode[recent.pop()];
        if (o && o.selected) { last = o; }
      }
      if (!last) {
        var all = selected();
        last = all.length ? all[all.length - 1] : null;
      }
      if (last) { unselect(last); }
    }

    input.addEventListener("input", function (ev) {
      unflag();
      // Picking from the suggestion list inserts the whole "Name (CC)" text: take it at once.
      if (ev.inputType === undefined || ev.inputType === "insertReplacementText") { add(true); }
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.isComposing || ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
      if (ev.key === "Enter" && !ev.shiftKey) {
        // An empty box leaves Enter to the page; otherwise it is ours (preventDefault tells
        // the page's own Enter handling that it was taken).
        if (input.value.trim() === "") { return; }
        ev.preventDefault();
        if (!add(false)) { flag("No country matches “" + input.value.trim() + "”; pick one from the list."); }
      } else if (ev.key === "Backspace" && input.value === "") {
        removeLast();
      }
    });
    // Leaving the box with text in it: an exact name or code is added; anything else is
    // flagged, never silently dropped.
    input.addEventListener("change", function () {
      var text = input.value.trim();
      if (text === "" || add(true)) { return; }
      flag("“" + text + "” was not added: press Enter in the box to add the first match, or pick one from the list.");
    });
    render();

    return {
      input: input,
      select: select,
      values: function () { return selected().map(function (o) { return o.value; }); },
      // Shows `codes` as the chosen countries (a value from elsewhere: no onChange).
      setValues: function (codes) {
        var want = {};
        (codes || []).forEach(function (c) { want[String(c)] = true; });
        options.forEach(function (o) { o.selected = !!want[o.value]; });
        recent = [];
        render();
      },
      commitTyped: function (exactOnly) { return input.value.trim() !== "" && add(!!exactOnly); },
      typed: function () { return input.value.trim(); },
      flagged: function () { return isFlagged; }
    };
  }

  window.recommenderCountryMatcher = countryMatcher;
  window.recommenderCountryBox = countryBox;
})();
