// Assistants and their knowledge: list, create, edit, delete; knowledge entries per assistant.
import { api, listAll, describe } from '../api.js';
import { session } from '../session.js';
import { h, replace, field, errorLine, emptyState, toast, busy, icon, formatTime, confirmButton } from '../dom.js';

const QUALIFICATION_FIELDS = [
  ['name', 'Name'], ['email', 'Email'], ['phone', 'Phone'], ['company', 'Company'],
  ['need', 'Need'], ['budget', 'Budget'], ['timeline', 'Timeline'],
];
const PHONE = /^\+[1-9][0-9]{6,14}$/;
// BCP-47-like, as the server checks it: en-US, pt-BR, zh-Hans-CN
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/;

export function render(ctx, arg) {
  let assistants = [];
  let selected = arg || null; // assistant id, 'new', or null
  const listEl = h('ul', { class: 'item-list', 'aria-label': 'Assistants' });
  const editor = h('div', { class: 'editor' });
  const newButton = h('button', { type: 'button', class: 'btn btn-primary', dataset: { dc: 'new-assistant' }, on: { click: () => go('new') } }, icon('plus'), 'New assistant');
  const el = h('div', { class: 'page page-split' },
    h('section', { class: 'split-list', 'aria-labelledby': 'asst-heading' },
      h('div', { class: 'pane-head' }, h('h1', { id: 'asst-heading' }, 'Assistants'), session.canManage ? newButton : null),
      h('p', { class: 'muted small' }, 'Each assistant has its own instructions and knowledge. The widget uses the default one.'),
      listEl),
    editor);

  function go(id) {
    location.hash = id ? '#/assistants/' + encodeURIComponent(id) : '#/assistants';
  }

  async function load() {
    replace(listEl, h('li', { class: 'muted pad' }, 'Loading…'));
    try {
      assistants = await listAll('/api/assistants');
      if (!selected && assistants.length) selected = assistants[0].id;
      renderList();
      renderEditor();
    } catch (e) {
      replace(listEl, h('li', { class: 'form-error' }, describe(e)));
    }
  }

  function renderList() {
    const defaultId = ctx.tenant?.config?.assistantId;
    if (!assistants.length) {
      replace(listEl, h('li', {}, emptyState('No assistants', 'Create one to answer your visitors.')));
      return;
    }
    replace(listEl, assistants.map((a) => h('li', {},
      h('a', { href: '#/assistants/' + encodeURIComponent(a.id), class: 'item', dataset: { dc: 'assistant', id: a.id }, 'aria-current': a.id === selected ? 'true' : null },
        h('span', { class: 'item-title' }, a.name, a.id === defaultId ? h('span', { class: 'badge badge-ai' }, 'Default') : null),
        h('span', { class: 'item-sub muted' }, [a.model || 'default model', a.phoneNumbers.length ? `${a.phoneNumbers.length} phone number${a.phoneNumbers.length > 1 ? 's' : ''}` : null].filter(Boolean).join(' · '))))));
  }

  function renderEditor() {
    if (selected === 'new') return replace(editor, assistantForm(null));
    const a = assistants.find((x) => x.id === selected);
    if (!a) return replace(editor, h('div', { class: 'card' }, emptyState(selected ? 'Assistant not found' : 'Pick an assistant', selected ? 'It may have been deleted.' : null)));
    replace(editor, assistantForm(a), knowledgeCard(a));
  }

  // ---- The assistant form -------------------------------------------------------------------
  function assistantForm(a) {
    const readOnly = !session.canManage;
    const name = h('input', { name: 'name', type: 'text', maxlength: '100', required: true, value: a?.name ?? '' });
    const instructions = h('textarea', { name: 'instructions', rows: '6', maxlength: '20000', value: a?.instructions ?? '' });
    const greeting = h('textarea', { name: 'greeting', rows: '2', maxlength: '1000', value: a?.greeting ?? '' });
    const model = h('input', { name: 'model', type: 'text', maxlength: '100', placeholder: 'Server default', value: a?.model ?? '' });
    const temperature = h('input', { name: 'temperature', type: 'number', min: '0', max: '2', step: '0.1', value: String(a?.temperature ?? 0.7) });
    const maxTokens = h('input', { name: 'maxTokens', type: 'number', min: '1', max: '32000', step: '1', value: String(a?.maxTokens ?? 512) });
    const phones = h('textarea', { name: 'phoneNumbers', rows: '2', placeholder: '+14165559999', value: (a?.phoneNumbers ?? []).join('\n') });
    const transfer = h('input', { name: 'transferNumber', type: 'tel', inputmode: 'tel', autocomplete: 'off', maxlength: '16', placeholder: '+14165550123', value: a?.transferNumber ?? '' });
    const language = h('input', { name: 'voiceLanguage', type: 'text', maxlength: '35', placeholder: 'en-US', autocomplete: 'off', spellcheck: 'false', value: a?.voice?.language ?? '' });
    const ttsVoice = h('input', { name: 'voiceTtsVoice', type: 'text', maxlength: '100', placeholder: 'Carrier default', autocomplete: 'off', spellcheck: 'false', value: a?.voice?.ttsVoice ?? '' });
    const required = new Set(a?.qualification?.requiredFields ?? (a ? [] : ['name', 'email']));
    const checks = QUALIFICATION_FIELDS.map(([key, label]) => {
      const box = h('input', { type: 'checkbox', name: 'requiredFields', value: key, checked: required.has(key), id: `req-${key}` });
      return h('label', { class: 'check-option', for: `req-${key}` }, box, label);
    });
    const error = errorLine();
    const save = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { dc: 'save-assistant' } }, a ? 'Save changes' : 'Create assistant');
    const del = a ? confirmButton(h('button', { type: 'button', class: 'btn btn-danger', dataset: { dc: 'delete-assistant' } }, icon('trash'), 'Delete'),
      'Click again to delete', () => remove(a)) : null;

    const form = h('form', { class: 'card stack', dataset: { dc: 'assistant-form' }, novalidate: true, on: { submit: (e) => { e.preventDefault(); submit(); } } },
      h('div', { class: 'card-head' }, h('h2', {}, a ? a.name : 'New assistant'), a ? h('span', { class: 'mono muted small' }, a.id) : null),
      field('Name', name),
      field('Instructions', instructions, 'The system prompt: who the assistant is and how it should answer.'),
      field('Greeting', greeting, 'The first message visitors see in the widget.'),
      h('div', { class: 'grid-3' },
        field('Model', model, 'Empty = the server default.'),
        field('Temperature', temperature, '0 (focused) to 2 (creative).'),
        field('Max tokens per reply', maxTokens, '1 to 32000.')),
      h('fieldset', { class: 'fieldset', dataset: { dc: 'voice-fields' } },
        h('legend', {}, 'Voice'),
        field('Phone numbers', phones, 'E.164 numbers that reach this assistant by phone, one a line. Empty = no voice.'),
        field('Transfer number', transfer, 'Where a call is put through when the caller asks for a person (E.164). Empty = the caller hears that nobody can take the call.'),
        h('div', { class: 'grid-2' },
          field('Language', language, 'Of speech recognition and the spoken replies, like en-US. Empty = the server default.'),
          field('Text-to-speech voice', ttsVoice, 'A voice name of your carrier, passed on as it is. Empty = its default.'))),
      h('fieldset', { class: 'fieldset' },
        h('legend', {}, 'A lead is qualified when these are known'),
        h('div', { class: 'check-grid' }, checks)),
      error.el,
      h('div', { class: 'form-actions' }, del, h('span', { class: 'spacer' }), save));
    if (readOnly) for (const c of form.querySelectorAll('input, textarea, button')) c.disabled = true;

    async function submit() {
      error.clear();
      const phoneNumbers = phones.value.split(/[\s,;]+/).map((p) => p.trim()).filter(Boolean);
      const bad = phoneNumbers.find((p) => !PHONE.test(p));
      if (!name.value.trim()) return error.show('The assistant needs a name.');
      if (bad) return error.show(`${bad} is not an E.164 number (like +14165559999).`);
      const transferNumber = transfer.value.replace(/[\s().-]/g, '');
      if (transferNumber && !PHONE.test(transferNumber)) return error.show(`The transfer number ${transferNumber} is not an E.164 number (like +14165550123).`);
      const voice = {};
      if (language.value.trim()) voice.language = language.value.trim();
      if (ttsVoice.value.trim()) voice.ttsVoice = ttsVoice.value.trim();
      if (voice.language && !LANGUAGE.test(voice.language)) return error.show(`${voice.language} is not a language tag (like en-US).`);
      const body = {
        name: name.value.trim(),
        instructions: instructions.value,
        greeting: greeting.value,
        model: model.value.trim(),
        temperature: temperature.value === '' ? null : Number(temperature.value),
        maxTokens: maxTokens.value === '' ? null : Number(maxTokens.value),
        phoneNumbers,
        transferNumber: transferNumber || null,
        voice,
        qualification: { requiredFields: checks.map((c) => c.firstChild).filter((b) => b.checked).map((b) => b.value) },
      };
      if (body.temperature !== null && !(body.temperature >= 0 && body.temperature <= 2)) return error.show('Temperature must be from 0 to 2.');
      if (body.maxTokens !== null && !(Number.isInteger(body.maxTokens) && body.maxTokens >= 1 && body.maxTokens <= 32000)) return error.show('Max tokens must be a whole number from 1 to 32000.');
      await busy(save, async () => {
        try {
          const data = a
            ? await api('PUT', `/api/assistants/${encodeURIComponent(a.id)}`, { body })
            : await api('POST', '/api/assistants', { body });
          const saved = data.assistant;
          const i = assistants.findIndex((x) => x.id === saved.id);
          if (i >= 0) assistants[i] = saved; else assistants.push(saved);
          toast(a ? 'Assistant saved.' : 'Assistant created.');
          if (a) { renderList(); renderEditor(); } else go(saved.id);
        } catch (e) {
          error.show(describe(e));
        }
      });
    }
    return form;
  }

  async function remove(a) {
    try {
      await api('DELETE', `/api/assistants/${encodeURIComponent(a.id)}`);
      assistants = assistants.filter((x) => x.id !== a.id);
      toast('Assistant deleted.');
      selected = assistants[0]?.id ?? null;
      renderList();
      renderEditor();
      go(selected);
    } catch (e) {
      toast(describe(e), 'error');
    }
  }

  // ---- Knowledge ----------------------------------------------------------------------------
  function knowledgeCard(a) {
    const list = h('ul', { class: 'knowledge-list', dataset: { dc: 'knowledge-list' }, 'aria-label': 'Knowledge entries' }, h('li', { class: 'muted' }, 'Loading…'));
    const title = h('input', { name: 'title', type: 'text', maxlength: '200', required: true });
    const content = h('textarea', { name: 'content', rows: '4', maxlength: '20000', required: true });
    const error = errorLine();
    const add = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { dc: 'add-knowledge' } }, icon('plus'), 'Add entry');
    const count = h('span', { class: 'count' });
    const form = session.canManage ? h('form', { class: 'stack knowledge-form', novalidate: true, on: { submit: (e) => { e.preventDefault(); submit(); } } },
      h('h3', {}, 'Add an entry'),
      field('Title', title),
      field('Content', content, 'Facts the assistant may quote: prices, opening hours, policies…'),
      error.el,
      h('div', { class: 'form-actions' }, h('span', { class: 'spacer' }), add)) : null;
    let entries = [];

    function renderEntries() {
      count.textContent = entries.length ? String(entries.length) : '';
      if (!entries.length) return replace(list, h('li', {}, emptyState('No knowledge yet', 'Add what the assistant should know about your business.')));
      replace(list, entries.map((k) => {
        const del = session.canManage ? confirmButton(h('button', { type: 'button', class: 'btn btn-ghost btn-sm', dataset: { dc: 'delete-knowledge' }, 'aria-label': `Delete “${k.title}”` }, icon('trash'), 'Delete'),
          'Confirm', () => removeEntry(k)) : null;
        return h('li', { class: 'knowledge', dataset: { dc: 'knowledge', id: k.id } },
          h('div', { class: 'knowledge-body' },
            h('p', { class: 'knowledge-title' }, k.title),
            h('p', { class: 'knowledge-content' }, k.content),
            h('p', { class: 'muted small' }, 'Added ' + formatTime(k.createdAt))),
          del);
      }));
    }

    async function submit() {
      error.clear();
      if (!title.value.trim() || !content.value.trim()) return error.show('An entry needs a title and some content.');
      await busy(add, async () => {
        try {
          const data = await api('POST', `/api/assistants/${encodeURIComponent(a.id)}/knowledge`, { body: { title: title.value.trim(), content: content.value.trim() } });
          entries.push(data.entry);
          title.value = '';
          content.value = '';
          renderEntries();
          toast('Knowledge entry added.');
        } catch (e) {
          error.show(describe(e));
        }
      });
    }

    async function removeEntry(k) {
      try {
        await api('DELETE', `/api/assistants/${encodeURIComponent(a.id)}/knowledge/${encodeURIComponent(k.id)}`);
        entries = entries.filter((x) => x.id !== k.id);
        renderEntries();
        toast('Entry deleted.');
      } catch (e) {
        toast(describe(e), 'error');
      }
    }

    listAll(`/api/assistants/${encodeURIComponent(a.id)}/knowledge`, { maxPages: 5 })
      .then((items) => { entries = items; renderEntries(); })
      .catch((e) => replace(list, h('li', { class: 'form-error' }, describe(e))));

    return h('section', { class: 'card stack', 'aria-labelledby': 'kb-heading' },
      h('div', { class: 'card-head' }, h('h2', { id: 'kb-heading' }, 'Knowledge'), count),
      h('p', { class: 'muted small' }, 'The assistant grounds its answers in these entries.'),
      list, form);
  }

  load();
  return {
    el,
    update(nextArg) {
      selected = nextArg || assistants[0]?.id || null;
      renderList();
      renderEditor();
    },
  };
}
