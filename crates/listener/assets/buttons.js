// The /buttons page. A person signs in with a credential of the vault (kept
// in this tab's sessionStorage and sent on each of the page's own requests),
// sees the Buttons whose hooks admit them, fills a Button's form, picks files
// or folders inside the hook's allowed folders, and presses it: the page posts
// {JobParameters, Paths} to the hook's Pydio Cells route and follows the run
// by polling /executions/{id} until it ends. Everything is built with DOM
// calls and textContent, so nothing the server sends is read as markup.
'use strict';

(() => {
  const STORE = 'hookline.buttons.credential';
  const POLL_MS = 500;
  const ENDED = ['succeeded', 'failed', 'cancelled'];
  const SVG = 'http://www.w3.org/2000/svg';

  /** Simple line drawings on a 24-unit grid, one per icon name a Button may carry. */
  const ICONS = {
    play: [['polygon', { points: '7 4 19 12 7 20' }]],
    send: [
      ['path', { d: 'M3 11 21 3 14 21 11 13Z' }],
      ['path', { d: 'M11 13 21 3' }],
    ],
    zap: [['polygon', { points: '13 2 5 13 11 13 10 22 19 10 13 10' }]],
    upload: [['path', { d: 'M12 16V4M7 9l5-5 5 5M4 20h16' }]],
    download: [['path', { d: 'M12 4v12M7 11l5 5 5-5M4 20h16' }]],
    'file-text': [['path', { d: 'M6 2h8l5 5v15H6zM14 2v5h5M9 13h7M9 17h7' }]],
    folder: [['path', { d: 'M3 6h6l2 2h10v11H3z' }]],
    image: [
      ['rect', { x: 3, y: 4, width: 18, height: 16, rx: 2 }],
      ['circle', { cx: 9, cy: 10, r: 2 }],
      ['path', { d: 'M21 16l-5-5-9 9' }],
    ],
    mail: [
      ['rect', { x: 3, y: 5, width: 18, height: 14, rx: 2 }],
      ['path', { d: 'M3 7l9 6 9-6' }],
    ],
    'refresh-cw': [['path', { d: 'M20 11A8 8 0 0 0 5.5 6.5M4 4v4h4M4 13a8 8 0 0 0 14.5 4.5M20 20v-4h-4' }]],
    archive: [
      ['rect', { x: 3, y: 4, width: 18, height: 5, rx: 1 }],
      ['path', { d: 'M5 9v11h14V9M10 13h4' }],
    ],
    check: [['polyline', { points: '5 12 10 17 19 7' }]],
    file: [['path', { d: 'M6 2h8l5 5v15H6zM14 2v5h5' }]],
    more: [
      ['circle', { cx: 5, cy: 12, r: 1 }],
      ['circle', { cx: 12, cy: 12, r: 1 }],
      ['circle', { cx: 19, cy: 12, r: 1 }],
    ],
  };

  const state = {
    credential: null,
    buttons: [],
    current: null,
    /** Picked items: {path, name, folder}. */
    picked: [],
    /** The folder the picker shows (null: the allowed folders). */
    where: null,
    /** Bumped on every listing and run, so a late answer to an old one is dropped. */
    generation: 0,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'text') node.textContent = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function icon(name) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('class', 'icon');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    for (const [tag, attributes] of ICONS[name] ?? ICONS.play) {
      const shape = document.createElementNS(SVG, tag);
      for (const [key, value] of Object.entries(attributes)) shape.setAttribute(key, String(value));
      svg.append(shape);
    }
    return svg;
  }

  // ---- Credentials: in this tab only.

  function loadCredential() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE) ?? 'null');
    } catch {
      return null;
    }
  }

  function base64(text) {
    let binary = '';
    for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
    return btoa(binary);
  }

  function authHeaders() {
    const c = state.credential;
    if (!c) return {};
    switch (c.kind) {
      case 'basic':
        return { Authorization: `Basic ${base64(`${c.username}:${c.secret}`)}` };
      case 'bearer':
        return { Authorization: `Bearer ${c.secret}` };
      case 'apikey':
        return { [c.header]: c.secret };
      default:
        return {};
    }
  }

  function describeCredential(c) {
    switch (c?.kind) {
      case 'basic':
        return `Signed in as ${c.username}`;
      case 'bearer':
        return 'Signed in with a bearer token';
      case 'apikey':
        return `Signed in with an API key (${c.header})`;
      default:
        return 'Not signed in';
    }
  }

  /** A request of this page: JSON in and out, the credential attached. */
  async function request(url, { method = 'GET', body, auth = true } = {}) {
    const headers = { Accept: 'application/json', ...(auth ? authHeaders() : {}) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      return { ok: false, status: 0, error: { code: 'unreachable', message: 'Hookline did not answer; is it still running?' } };
    }
    let json = null;
    try {
      json = await response.json();
    } catch {
      // an answer without a JSON body
    }
    if (response.ok) return { ok: true, status: response.status, body: json };
    const error = json?.error ?? { code: 'http_' + response.status, message: `The request failed (${response.status}).` };
    return { ok: false, status: response.status, error };
  }

  // ---- Signing in.

  function showSignIn() {
    $('sign-in').hidden = false;
    $('buttons').hidden = true;
    $('press').hidden = true;
    $('progress').hidden = true;
    $('toolbar').hidden = true;
    $('who').hidden = true;
    syncKind();
    $('username').focus();
  }

  function syncKind() {
    const kind = document.querySelector('input[name="kind"]:checked').value;
    for (const field of document.querySelectorAll('#sign-in-form .field')) field.hidden = field.dataset.kind !== kind;
  }

  function signIn(event) {
    event.preventDefault();
    const kind = document.querySelector('input[name="kind"]:checked').value;
    const missing = (id, what) => {
      $('sign-in-error').textContent = `Enter ${what}.`;
      $(id).setAttribute('aria-invalid', 'true');
      $(id).focus();
      return true;
    };
    for (const input of document.querySelectorAll('#sign-in-form input')) input.removeAttribute('aria-invalid');
    let credential;
    if (kind === 'basic') {
      const username = $('username').value.trim();
      const secret = $('password').value;
      if (!username) return missing('username', 'your user name');
      if (!secret) return missing('password', 'your password');
      credential = { kind, username, secret };
    } else if (kind === 'bearer') {
      const secret = $('token').value.trim();
      if (!secret) return missing('token', 'your token');
      credential = { kind, secret };
    } else {
      const header = $('key-header').value.trim();
      const secret = $('key').value.trim();
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) return missing('key-header', 'the header name, such as X-API-Key');
      if (!secret) return missing('key', 'your key');
      credential = { kind, header, secret };
    }
    $('sign-in-error').textContent = '';
    $('sign-in-form').reset();
    startWith(credential);
  }

  function startWith(credential) {
    state.credential = credential;
    sessionStorage.setItem(STORE, JSON.stringify(credential));
    $('sign-in').hidden = true;
    $('who').hidden = false;
    $('who-text').textContent = describeCredential(credential);
    void loadButtons();
  }

  function signOut() {
    sessionStorage.removeItem(STORE);
    state.credential = null;
    state.buttons = [];
    state.current = null;
    state.generation += 1;
    $('button-list').replaceChildren();
    $('toolbar').replaceChildren();
    showSignIn();
  }

  // ---- The Buttons.

  async function loadButtons() {
    $('buttons').hidden = false;
    $('buttons-status').textContent = 'Loading your Buttons…';
    const answer = await request('/buttons/api/list');
    if (!answer.ok) {
      $('buttons-status').textContent = answer.error.message;
      return;
    }
    state.buttons = answer.body.buttons;
    renderButtons();
  }

  const placed = (button, where) => button.placement.includes(where);

  function renderButtons() {
    const launcher = state.buttons.filter((b) => placed(b, 'launcher'));
    const toolbar = state.buttons.filter((b) => placed(b, 'toolbar'));
    $('button-list').replaceChildren(
      ...launcher.map((button) =>
        el(
          'li',
          {},
          el(
            'button',
            { type: 'button', class: 'button-card', 'data-flow': button.flowId, onclick: () => openButton(button) },
            icon(button.icon),
            el('span', {}, el('span', { class: 'label', text: button.label }), el('span', { class: 'flow', text: button.flowName })),
          ),
        ),
      ),
    );
    $('toolbar').replaceChildren(
      ...toolbar.map((button) =>
        el(
          'button',
          { type: 'button', class: 'tool', 'data-flow': button.flowId, onclick: () => openButton(button) },
          icon(button.icon),
          el('span', { text: button.label }),
        ),
      ),
    );
    $('toolbar').hidden = toolbar.length === 0;
    const count = state.buttons.length;
    $('buttons-status').textContent =
      count === 0
        ? 'No Buttons are offered to you. If you expected some, sign out and check the credential you signed in with.'
        : `${count} Button${count === 1 ? '' : 's'} for you.`;
  }

  // ---- A Button's form.

  function inputFor(field, id) {
    const value = field.value;
    const common = { id, name: field.name, 'aria-describedby': `${id}-hint ${id}-error`, readonly: !field.editable };
    switch (field.type) {
      case 'boolean':
        return el('input', { ...common, type: 'checkbox', readonly: false, disabled: !field.editable, checked: value === true });
      case 'integer':
        return el('input', { ...common, type: 'number', step: 1, inputmode: 'numeric', value: value ?? '' });
      case 'number':
        return el('input', { ...common, type: 'number', step: 'any', inputmode: 'decimal', value: value ?? '' });
      case 'string':
        return el('input', { ...common, type: 'text', value: value ?? '' });
      default: {
        const area = el('textarea', { ...common, rows: 3, spellcheck: 'false' });
        area.value = value === null || value === undefined ? '' : JSON.stringify(value, null, 2);
        return area;
      }
    }
  }

  const TYPE_NAMES = {
    string: 'text',
    integer: 'whole number',
    number: 'number',
    boolean: 'yes or no',
    object: 'JSON object',
    array: 'JSON list',
    any: 'JSON value',
  };

  function openButton(button, picked = []) {
    state.current = button;
    state.picked = picked.slice();
    state.where = null;
    $('press').hidden = false;
    $('press-title').textContent = button.label;
    $('press-flow').textContent = `Runs the flow “${button.flowName}” (version ${button.version}).`;
    $('press-legend').textContent = button.legend;
    $('press-error').textContent = '';
    $('press-submit').disabled = false;
    $('press-fields').replaceChildren(
      ...button.fields.map((field) => {
        const id = `param-${field.name}`;
        const hint = [field.description, field.editable ? null : 'Set by this Button.', field.required ? 'Required.' : null]
          .filter(Boolean)
          .join(' ');
        return el(
          'div',
          { class: 'field', 'data-param': field.name },
          el('label', { for: id, text: `${field.name} (${TYPE_NAMES[field.type] ?? field.type})` }),
          inputFor(field, id),
          el('p', { id: `${id}-hint`, class: 'hint', text: hint }),
          el('p', { id: `${id}-error`, class: 'error', role: 'alert' }),
        );
      }),
    );
    const picks = button.selection.pick !== 'none';
    $('picker').hidden = !picks;
    if (picks) {
      $('picker-legend').textContent = pickerTitle(button.selection);
      $('picker-rule').textContent = ruleText(button.selection);
      renderPicked();
      void listFolder(null);
    }
    $('press-title').setAttribute('tabindex', '-1');
    $('press-title').focus();
  }

  function pickerTitle(selection) {
    const what = { files: 'file', folders: 'folder', both: 'file or folder' }[selection.pick];
    return selection.multiple ? `Pick ${what}s` : `Pick a ${what}`;
  }

  function ruleText(selection) {
    const parts = [];
    if (selection.extensions.length && selection.pick !== 'folders') {
      parts.push(`Files ending in ${selection.extensions.map((e) => '.' + e.replace(/^\./, '')).join(', ')}.`);
    }
    parts.push(selection.multiple ? 'Several items may be picked.' : 'One item only.');
    parts.push(selection.required ? 'Picking is required.' : 'Picking is optional.');
    return parts.join(' ');
  }

  /** The same rule as the core's: kind first, then the extension of a file. */
  function admits(selection, name, folder) {
    if (selection.pick === 'none') return false;
    if (folder) return selection.pick !== 'files';
    if (selection.pick === 'folders') return false;
    if (selection.extensions.length === 0) return true;
    const dot = name.lastIndexOf('.');
    if (dot <= 0) return false;
    const extension = name.slice(dot + 1).toLowerCase();
    return selection.extensions.some((e) => e.replace(/^\./, '').toLowerCase() === extension);
  }

  function countProblem(selection, count) {
    if (selection.pick === 'none') return null;
    const what = { files: 'file', folders: 'folder', both: 'file or folder' }[selection.pick];
    if (count === 0 && selection.required) return `Pick a ${what} first.`;
    if (count > 1 && !selection.multiple) return `Pick one ${what} only.`;
    return null;
  }

  const inside = (folders, path) => folders.some((root) => path === root || path.startsWith(root.endsWith('/') ? root : root + '/'));

  /** The other Buttons offered on an item's menu: in their context menu, and their rule takes it. */
  function contextButtons(entry) {
    return state.buttons.filter(
      (b) =>
        b !== state.current &&
        placed(b, 'context menu') &&
        inside(b.folders, entry.path) &&
        admits(b.selection, entry.name, entry.folder),
    );
  }

  async function listFolder(path) {
    const button = state.current;
    const generation = ++state.generation;
    $('picker-status').textContent = 'Listing…';
    const query = new URLSearchParams({ flow: button.flowId });
    if (path) query.set('path', path);
    const answer = await request(`/buttons/api/folder?${query}`);
    if (generation !== state.generation || button !== state.current) return;
    if (!answer.ok) {
      $('picker-status').textContent = answer.error.message;
      return;
    }
    const listing = answer.body;
    state.where = listing;
    $('picker-where').textContent = listing.path ?? 'Allowed folders';
    $('picker-up').disabled = listing.path === null;
    $('picker-entries').replaceChildren(...listing.entries.map((entry) => entryRow(entry)));
    const count = listing.entries.length;
    $('picker-status').textContent =
      (count === 0 ? 'Nothing to pick here.' : `${count} item${count === 1 ? '' : 's'}.`) +
      (listing.truncated ? ' Only the first ones are listed.' : '');
  }

  function entryRow(entry) {
    const chosen = state.picked.some((p) => p.path === entry.path);
    const row = el('li', { 'data-path': entry.path });
    if (entry.selectable) {
      row.append(
        el('input', {
          type: 'checkbox',
          'aria-label': `Pick ${entry.name}`,
          checked: chosen,
          onchange: (event) => togglePick(entry, event.target.checked),
        }),
      );
    }
    row.append(icon(entry.folder ? 'folder' : 'file'), el('span', { class: 'name', text: entry.name }));
    if (entry.size !== undefined) row.append(el('span', { class: 'size', text: formatSize(entry.size) }));
    if (entry.folder) {
      row.append(el('button', { type: 'button', 'aria-label': `Open ${entry.name}`, text: 'Open', onclick: () => void listFolder(entry.path) }));
    }
    const others = contextButtons(entry);
    if (others.length > 0) {
      const more = el('button', { type: 'button', 'aria-label': `More for ${entry.name}`, 'aria-haspopup': 'menu', 'aria-expanded': 'false' }, icon('more'));
      more.addEventListener('click', () => openMenu(row, more, entry, others));
      row.addEventListener('contextmenu', (event) => {
        event.preventDefault();
        openMenu(row, more, entry, others);
      });
      row.append(more);
    }
    return row;
  }

  function openMenu(row, opener, entry, others) {
    closeMenus();
    opener.setAttribute('aria-expanded', 'true');
    const menu = el(
      'ul',
      { class: 'menu', role: 'menu', 'aria-label': `Buttons for ${entry.name}` },
      ...others.map((button) =>
        el(
          'li',
          { role: 'none' },
          el(
            'button',
            { type: 'button', role: 'menuitem', onclick: () => openButton(button, [{ path: entry.path, name: entry.name, folder: entry.folder }]) },
            icon(button.icon),
            ' ',
            button.label,
          ),
        ),
      ),
    );
    menu.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        closeMenus();
        opener.focus();
      }
    });
    row.append(menu);
    menu.querySelector('button')?.focus();
  }

  function closeMenus() {
    for (const menu of document.querySelectorAll('.menu')) menu.remove();
    for (const opener of document.querySelectorAll('[aria-haspopup="menu"]')) opener.setAttribute('aria-expanded', 'false');
  }

  function togglePick(entry, on) {
    const item = { path: entry.path, name: entry.name, folder: entry.folder };
    if (on) state.picked = state.current.selection.multiple ? [...state.picked.filter((p) => p.path !== item.path), item] : [item];
    else state.picked = state.picked.filter((p) => p.path !== item.path);
    renderPicked();
    // One item only: ticking another clears the last one's box.
    for (const box of document.querySelectorAll('#picker-entries input[type="checkbox"]')) {
      box.checked = state.picked.some((p) => p.path === box.closest('li').dataset.path);
    }
  }

  function renderPicked() {
    $('picked').replaceChildren(
      ...state.picked.map((item) =>
        el(
          'li',
          { 'data-path': item.path },
          icon(item.folder ? 'folder' : 'file'),
          el('span', { class: 'name', text: item.path }),
          el('button', {
            type: 'button',
            'aria-label': `Remove ${item.name}`,
            text: 'Remove',
            onclick: () => togglePick(item, false),
          }),
        ),
      ),
    );
    if (state.picked.length === 0) $('picked').replaceChildren();
  }

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  /** The value typed into a field, read by its type; `undefined` when left empty. */
  function readField(field) {
    const input = $(`param-${field.name}`);
    if (field.type === 'boolean') return { value: input.checked };
    const text = input.value.trim();
    if (text === '') return { value: undefined };
    switch (field.type) {
      case 'string':
        return { value: input.value };
      case 'integer':
      case 'number': {
        const n = Number(text);
        if (!Number.isFinite(n)) return { problem: 'Enter a number.' };
        if (field.type === 'integer' && !Number.isInteger(n)) return { problem: 'Enter a whole number.' };
        return { value: n };
      }
      default: {
        let value;
        try {
          value = JSON.parse(text);
        } catch (error) {
          return { problem: `This is not JSON: ${error.message}` };
        }
        if (field.type === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
          return { problem: 'Enter a JSON object, such as {"key": "value"}.' };
        }
        if (field.type === 'array' && !Array.isArray(value)) return { problem: 'Enter a JSON list, such as ["a", "b"].' };
        return { value };
      }
    }
  }

  function fieldError(name, message) {
    const input = $(`param-${name}`);
    $(`param-${name}-error`).textContent = message ?? '';
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  async function press(event) {
    event.preventDefault();
    const button = state.current;
    if (!button) return;
    $('press-error').textContent = '';
    const parameters = { ...button.presets };
    let firstBad = null;
    for (const field of button.fields) {
      fieldError(field.name, null);
      if (!field.editable) continue;
      const read = readField(field);
      let problem = read.problem ?? null;
      if (!problem && read.value === undefined && field.required) problem = 'Required: enter a value.';
      if (problem) {
        fieldError(field.name, problem);
        firstBad ??= field.name;
        continue;
      }
      if (read.value === undefined) delete parameters[field.name];
      else parameters[field.name] = read.value;
    }
    if (firstBad) {
      $(`param-${firstBad}`).focus();
      return;
    }
    const problem = countProblem(button.selection, state.picked.length);
    if (problem) {
      $('press-error').textContent = problem;
      return;
    }
    const body = { JobParameters: parameters };
    if (button.selection.pick !== 'none' && state.picked.length > 0) body.Paths = state.picked.map((p) => p.path);
    $('press-submit').disabled = true;
    const answer = await request(`/a/scheduler/hooks/${encodeURIComponent(button.hook)}`, { method: 'POST', body });
    $('press-submit').disabled = false;
    if (!answer.ok) {
      const named = /"([A-Za-z_][A-Za-z0-9_]*)"/.exec(answer.error.message)?.[1];
      if (named && button.fields.some((f) => f.name === named && f.editable)) {
        fieldError(named, answer.error.message);
        $(`param-${named}`).focus();
      } else {
        $('press-error').textContent = answer.error.message;
      }
      return;
    }
    void follow(answer.body.executionId, button);
  }

  // ---- Following a run.

  async function follow(executionId, button) {
    const generation = ++state.generation;
    $('progress').hidden = false;
    $('progress').dataset.execution = executionId;
    $('progress').dataset.status = 'queued';
    $('progress-title').textContent = `${button.label}: run ${executionId}`;
    $('progress-status').textContent = 'Waiting to start…';
    $('progress-steps').replaceChildren();
    $('progress-error').textContent = '';
    $('progress-output-box').hidden = true;
    for (;;) {
      const answer = await request(`/executions/${encodeURIComponent(executionId)}`, { auth: false });
      if (generation !== state.generation) return;
      if (!answer.ok) {
        $('progress-status').textContent = answer.error.message;
        return;
      }
      const execution = answer.body;
      renderExecution(execution);
      if (ENDED.includes(execution.status)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (generation !== state.generation) return;
    }
  }

  const STATUS_TEXT = {
    queued: 'Waiting to start…',
    running: 'Running…',
    succeeded: 'Succeeded',
    failed: 'Failed',
    cancelled: 'Cancelled',
  };

  function renderExecution(execution) {
    $('progress').dataset.status = execution.status;
    const status = $('progress-status');
    status.textContent = STATUS_TEXT[execution.status] ?? execution.status;
    status.className = `status-${execution.status}`;
    $('progress-steps').replaceChildren(
      ...execution.steps.map((step) =>
        el(
          'li',
          { 'data-step': step.stepId, 'data-status': step.status },
          el('span', { text: `${step.name}: ` }),
          el('span', { class: `status-${step.status}`, text: step.status }),
          step.durationMs !== null && step.durationMs !== undefined ? el('span', { class: 'muted', text: ` (${step.durationMs} ms)` }) : null,
        ),
      ),
    );
    if (execution.error) {
      $('progress-error').textContent = execution.failedStep ? `${execution.failedStep}: ${execution.error}` : execution.error;
    }
    if (ENDED.includes(execution.status) && execution.output !== null && execution.output !== undefined) {
      $('progress-output').textContent = JSON.stringify(execution.output, null, 2);
      $('progress-output-box').hidden = false;
    }
  }

  // ---- Wiring.

  document.addEventListener('DOMContentLoaded', () => {
    for (const radio of document.querySelectorAll('input[name="kind"]')) radio.addEventListener('change', syncKind);
    $('sign-in-form').addEventListener('submit', signIn);
    $('anonymous').addEventListener('click', () => startWith({ kind: 'none' }));
    $('sign-out').addEventListener('click', signOut);
    $('press-form').addEventListener('submit', (event) => void press(event));
    $('press-cancel').addEventListener('click', () => {
      state.current = null;
      $('press').hidden = true;
      $('buttons-title').focus();
    });
    $('picker-up').addEventListener('click', () => {
      const where = state.where;
      if (where?.path) void listFolder(where.parent);
    });
    document.addEventListener('click', (event) => {
      if (!event.target.closest('.menu') && !event.target.closest('[aria-haspopup="menu"]')) closeMenus();
    });
    $('buttons-title').setAttribute('tabindex', '-1');
    const credential = loadCredential();
    if (credential) startWith(credential);
    else showSignIn();
  });
})();
