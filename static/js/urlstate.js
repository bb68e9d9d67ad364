// URL state: every page keeps its state in the location hash (#key=value&...), so a link
// reproduces the view, and the last session in localStorage. Fields are declared once
// (TensorFlow Playground's state.ts): {name: {type: "string"|"int"|"number"|"bool"|"json", default}};
// `transient: true` keeps a field out of localStorage (a quiz or a lesson is opened by its link,
// never resumed by surprise on the next visit).
// Shared keys: lang (i18n.js), theme and scale (theme.js); pages add their own.

export const STATE_EVENT = "chainrule:state";

function hashParams() {
  const raw = typeof location === "undefined" ? "" : location.hash.replace(/^#/, "");
  return new URLSearchParams(raw);
}

/** One raw parameter from the hash (or, as a fallback, the query string), or null. */
export function getParam(name) {
  const fromHash = hashParams().get(name);
  if (fromHash !== null) return fromHash;
  return typeof location === "undefined" ? null : new URLSearchParams(location.search).get(name);
}

/** Merge {name: value} into the hash (null/undefined deletes) without adding history entries. */
export function setParams(values, { push = false } = {}) {
  const params = hashParams();
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) params.delete(name);
    else params.set(name, String(value));
  }
  const hash = params.toString();
  const url = `${location.pathname}${location.search}${hash ? `#${hash}` : ""}`;
  if (url === `${location.pathname}${location.search}${location.hash}`) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

function encode(field, value) {
  if (value === null || value === undefined) return null;
  if (field.type === "json") return JSON.stringify(value);
  if (field.type === "bool") return value ? "1" : "0";
  return String(value);
}

function decode(field, raw) {
  if (raw === null || raw === undefined) return undefined;
  try {
    switch (field.type) {
      case "json": return JSON.parse(raw);
      case "int": { const n = Number.parseInt(raw, 10); return Number.isFinite(n) ? n : undefined; }
      case "number": { const n = Number(raw); return Number.isFinite(n) ? n : undefined; }
      case "bool": return raw === "1" || raw === "true";
      default: return raw;
    }
  } catch {
    return undefined;
  }
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * A page's state object: fields declared once, read from the URL hash (else the last session in
 * localStorage under storageKey, else the defaults), written back to both on every set().
 */
export function createState(fields, { storageKey = null } = {}) {
  const state = {};
  const fromUrl = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = decode(field, getParam(name));
    if (value !== undefined) fromUrl[name] = value;
  }
  let stored = {};
  if (storageKey && Object.keys(fromUrl).length === 0) {
    try { stored = JSON.parse(localStorage.getItem(storageKey) || "{}") || {}; } catch { stored = {}; }
  }
  for (const [name, field] of Object.entries(fields)) {
    const remembered = name in stored && !field.transient;
    state[name] = name in fromUrl ? fromUrl[name] : remembered ? stored[name] : clone(field.default);
  }

  function persist() {
    const params = {};
    for (const [name, field] of Object.entries(fields)) {
      const same = JSON.stringify(state[name]) === JSON.stringify(field.default);
      params[name] = same && !field.always ? null : encode(field, state[name]);
    }
    setParams(params);
    if (storageKey) {
      const kept = Object.fromEntries(Object.entries(state).filter(([name]) => !fields[name].transient));
      try { localStorage.setItem(storageKey, JSON.stringify(kept)); } catch { /* ignore */ }
    }
  }

  let timer = null;
  function flush() {
    clearTimeout(timer);
    timer = null;
    persist();
  }

  if (typeof addEventListener === "function") addEventListener("pagehide", () => timer && flush());

  return {
    state,
    fields,
    /**
     * Apply a patch, mirror it to URL + storage, announce the changed names. With {defer: ms} the
     * state changes now but the URL/storage write waits (coalesced), for rapid changes such as
     * held arrow keys: browsers throttle history.replaceState.
     */
    set(patch, { defer = 0 } = {}) {
      const changed = [];
      for (const [name, value] of Object.entries(patch)) {
        if (!(name in fields)) throw new Error(`undeclared state field: ${name}`);
        if (JSON.stringify(state[name]) !== JSON.stringify(value)) changed.push(name);
        state[name] = value;
      }
      if (changed.length) {
        if (defer > 0) {
          clearTimeout(timer);
          timer = setTimeout(flush, defer);
        } else {
          flush();
        }
        document.dispatchEvent(new CustomEvent(STATE_EVENT, { detail: { changed } }));
      }
      return changed;
    },
    persist: flush,
    /** A link to this page with the given state (for "open in the graph playground" links). */
    link(path = location.pathname) {
      return `${location.origin}${path}${location.hash}`;
    },
  };
}

/** A URL for another page carrying state, e.g. playgroundLink({source, inputs}) from /train. */
export function pageLink(path, values) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    params.set(name, typeof value === "string" ? value : JSON.stringify(value));
  }
  return `${path}#${params.toString()}`;
}
