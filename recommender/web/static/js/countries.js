// Country type-ahead matching, shared by the SA workspace and the public pre-qualification.
// countryMatcher(select, datalistId) reads a <select>'s country options (text = name,
// value = ISO code) and returns {options, datalist, match(text, exactOnly)}:
// exact name, code or common alias first ("UK" is the United Kingdom, not Ukraine), then
// the first country whose name starts with the text ("germ"), then one that contains it;
// case- and accent-insensitive ("cote" finds Côte d'Ivoire).
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
    return { options: options, datalist: datalist, match: match };
  }
  window.recommenderCountryMatcher = countryMatcher;
})();
