// <eventsite-events>: our upcoming events on any page (a WordPress post, a plain site).
//
//   <script src="https://events.example.org/static/js/embed.js" data-tag="peace" data-count="5" async></script>
//
// puts the list where the script tag is; or, with the script loaded once anywhere,
//
//   <eventsite-events tag="peace" speaker="radhika-desai" organisation="img" count="5"
//                     layout="list|cards|compact" accent="#b42318" text="#222" background="#fff">
//   </eventsite-events>
//
// It reads the public JSON API (which any origin may read) and draws into its own shadow
// root, so the page's styles neither break it nor are touched by it. Times are the same
// multi-zone line as on our pages; every title links back to the event's page.
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : window.location.origin;
  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"];
  var STYLES = [
    ":host { display: block; --accent: #1f5fbf; --text: #1d2330; --background: transparent;",
    "  --muted: #5a6275; --line: #dfe3ea; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }",
    ".list { display: grid; gap: .5rem; color: var(--text); background: var(--background); }",
    ".layout-cards { grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); }",
    "article { border-bottom: 1px solid var(--line); padding: .4rem 0 .6rem; }",
    ".layout-cards article { border: 1px solid var(--line); border-radius: .5rem; padding: .6rem .8rem; }",
    "h3 { font-size: 1.05rem; margin: 0 0 .2rem; line-height: 1.3; }",
    "h3 a { color: var(--accent); text-decoration: none; } h3 a:hover, h3 a:focus { text-decoration: underline; }",
    ".is-cancelled h3 a { text-decoration: line-through; }",
    ".when { margin: 0; font-size: .9rem; font-weight: 600; }",
    ".summary { margin: .25rem 0 0; font-size: .9rem; color: var(--muted); }",
    ".badge { font-size: .7rem; font-weight: 700; text-transform: uppercase; padding: .05rem .4rem;",
    "  border-radius: 999px; background: #b42318; color: #fff; margin-left: .3rem; }",
    ".badge.postponed { background: #a05a00; }",
    ".more, .note { font-size: .9rem; margin: .5rem 0 0; } .more a { color: var(--accent); }"
  ].join("\n");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  // 'Sunday 21 November 2021' from the event's own local start ('2021-11-21T11:00:00-05:00').
  function longDate(start) {
    var parts = start.slice(0, 10).split("-").map(Number);
    var day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    return DAYS[day.getUTCDay()] + " " + parts[2] + " " + MONTHS[parts[1] - 1] + " " + parts[0];
  }

  function styleInto(root) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.appendChild(el("style", {}, STYLES));
    }
  }

  class EventsiteEvents extends HTMLElement {
    static get observedAttributes() {
      return ["tag", "speaker", "organisation", "count", "layout", "accent", "text", "background"];
    }

    connectedCallback() {
      if (!this.shadowRoot) { styleInto(this.attachShadow({mode: "open"})); }
      this.load();
    }

    attributeChangedCallback() { if (this.shadowRoot) { this.load(); } }

    load() {
      var self = this;
      var count = Math.min(50, Math.max(1, parseInt(this.getAttribute("count") || "5", 10) || 5));
      var url = new URL(origin + "/api/events");
      url.searchParams.set("per_page", String(count));
      ["tag", "speaker", "organisation"].forEach(function (name) {
        var value = self.getAttribute(name);
        if (value) { url.searchParams.set(name, value); }
      });
      ["accent", "text", "background"].forEach(function (name) {
        var value = self.getAttribute(name);
        if (value && window.CSS && CSS.supports("color", value)) {
          self.style.setProperty("--" + name, value);
        }
      });
      var serial = (this._serial || 0) + 1;
      this._serial = serial;
      fetch(url.href, {credentials: "omit"}).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (body) {
        if (serial === self._serial) { self.draw(body.events || []); }
      }).catch(function () {
        if (serial === self._serial) { self.draw(null); }
      });
    }

    draw(events) {
      var root = this.shadowRoot;
      Array.prototype.slice.call(root.childNodes).forEach(function (node) {
        if (node.nodeName !== "STYLE") { root.removeChild(node); }
      });
      var layout = this.getAttribute("layout");
      if (["list", "cards", "compact"].indexOf(layout) === -1) { layout = "list"; }
      var list = el("div", {"class": "list layout-" + layout, part: "list"});
      if (events === null) {
        list.appendChild(el("p", {"class": "note"}, "The events could not be loaded just now."));
      } else if (!events.length) {
        list.appendChild(el("p", {"class": "note"}, "No upcoming events."));
      }
      (events || []).forEach(function (event) {
        var item = el("article", {"class": "is-" + event.status});
        var heading = el("h3");
        heading.appendChild(el("a", {href: event.url, target: "_blank", rel: "noopener"}, event.title));
        if (event.status === "cancelled" || event.status === "postponed") {
          heading.appendChild(el("span", {"class": "badge " + event.status}, event.status));
        }
        item.appendChild(heading);
        var when = longDate(event.start);
        if (layout !== "compact") { when += " · " + event.display_times.join(", "); }
        item.appendChild(el("p", {"class": "when"}, when));
        if (layout !== "compact" && event.summary) {
          item.appendChild(el("p", {"class": "summary"}, event.summary));
        }
        list.appendChild(item);
      });
      root.appendChild(list);
      var more = el("p", {"class": "more"});
      more.appendChild(el("a", {href: origin + "/", target: "_blank", rel: "noopener"}, "All events →"));
      root.appendChild(more);
    }
  }

  if (!window.customElements.get("eventsite-events")) {
    window.customElements.define("eventsite-events", EventsiteEvents);
  }
  // The one-tag form: the script's data-* attributes describe the list it puts after itself.
  if (script && script.dataset && Object.keys(script.dataset).length) {
    var widget = document.createElement("eventsite-events");
    Object.keys(script.dataset).forEach(function (name) {
      widget.setAttribute(name, script.dataset[name]);
    });
    script.parentNode.insertBefore(widget, script.nextSibling);
  }
})();
