#!/usr/bin/env node
// A live-chat worker over the Vert.x TCP event-bus bridge, Node's built-in `net` module only.
//
// It serves the AI provider ai.provider.<PROVIDER> with a toy model ("You said: ..."), streamed
// word by word when the server asks for a stream, and prints the events of tenant TENANT.
//
//   BRIDGE_KEY=... [BRIDGE_HOST=127.0.0.1] [BRIDGE_PORT=7001] [PROVIDER=mine] [TENANT=tnt-...] node worker.js
'use strict';
const net = require('net');
const crypto = require('crypto');

const KEY = process.env.BRIDGE_KEY;
if (!KEY) {
  console.error("BRIDGE_KEY is required (a key of the server's LIVECHAT_BRIDGE_KEYS)");
  process.exit(1);
}
const HOST = process.env.BRIDGE_HOST || '127.0.0.1';
const PORT = Number(process.env.BRIDGE_PORT || 7001);
const PROVIDER = 'ai.provider.' + (process.env.PROVIDER || 'mine');
const TENANT = process.env.TENANT;
const MODEL = 'echo-node';

const socket = net.connect(PORT, HOST);

// Frame = 4-byte big-endian length + UTF-8 JSON. Every frame we send carries the key.
// (Node writes each frame whole, in order: no lock needed, even with many requests in flight.)
function send(frame) {
  frame.headers = { ...frame.headers, authorization: 'Bearer ' + KEY };
  const json = Buffer.from(JSON.stringify(frame), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  socket.write(Buffer.concat([length, json]));
}

// Bytes arrive in arbitrary pieces: keep them until a whole frame is there.
let pending = Buffer.alloc(0);
socket.on('data', (data) => {
  pending = Buffer.concat([pending, data]);
  while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
    const length = pending.readUInt32BE(0);
    const frame = JSON.parse(pending.subarray(4, 4 + length).toString('utf8'));
    pending = pending.subarray(4 + length);
    onFrame(frame);
  }
});

function onFrame(frame) {
  const address = frame.address || '';
  if (frame.type === 'message' && address === PROVIDER) {
    answer(frame).catch((e) =>  // a failure reply: 5xx = our fault, the server tries its next provider
      send({ type: 'send', address: frame.replyAddress, failureCode: 500, message: 'worker error: ' + e.message }));
  } else if (frame.type === 'message' && address.startsWith('bridge.events.')) {
    console.log('event:', summary(frame.body || {}));
  } else if (frame.type === 'err') {
    console.error('server error:', frame.message);
  } // "pong" (answer to our ping) needs nothing
}

// A message's content: a string, or (OpenAI's other form) a list of parts.
const textOf = (m) => (Array.isArray(m.content) ? m.content.map((p) => p.text || '').join(' ') : m.content || '');
const tokens = (text) => Math.max(1, Math.floor(text.length / 4)); // rough: ~4 characters a token
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One request: the body is a Chat Completions request (model, messages, maybe tools, stream).
async function answer(frame) {
  const request = frame.body, headers = frame.headers || {}, messages = request.messages || [];
  const user = messages.filter((m) => m.role === 'user').pop();
  const reply = 'You said: ' + (user ? textOf(user) : 'nothing');
  const usage = { prompt_tokens: messages.reduce((n, m) => n + tokens(textOf(m)), 0), completion_tokens: tokens(reply) };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const streamed = Boolean(request.stream && headers['stream-to']);
  if (streamed) {
    // Streamed: each chunk goes to the stream-to address, tagged with stream-id and stream-seq 0, 1, 2...
    const words = reply.match(/\S+\s*/g);
    for (let seq = 0; seq < words.length; seq++) {
      send({ type: 'send', address: headers['stream-to'],
        headers: { 'stream-id': headers['stream-id'], 'stream-seq': String(seq) },
        body: { object: 'chat.completion.chunk', model: MODEL, choices: [{ index: 0, delta: { content: words[seq] } }] } });
      await sleep(20);
    }
    // ...then the reply to the request: a last chunk (finish_reason, usage) + how many chunks came before.
    send({ type: 'send', address: frame.replyAddress, headers: { 'stream-chunks': String(words.length) },
      body: { object: 'chat.completion.chunk', model: MODEL, usage,
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } });
  } else {
    // Whole: the reply is a Chat Completions response.
    send({ type: 'send', address: frame.replyAddress,
      body: { id: 'cmpl-' + crypto.randomUUID().slice(0, 12), object: 'chat.completion', model: MODEL, usage,
        choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }] } });
  }
  console.log(`answered (${streamed ? 'streamed' : 'whole'}): ${JSON.stringify(reply.slice(0, 60))}`);
}

// One line for a tenant event: its type, its id, and who/what it is about.
function summary(event) {
  const d = event.data || {};
  let about;
  if (d.conversationId) { // message:new: a message of a conversation
    about = `${d.conversationId} ${d.role}: ${JSON.stringify(String(d.content).slice(0, 60))}`;
  } else { // conversation:*: the conversation itself
    about = `${d.id} status=${d.status} session=${d.sessionId}`;
    if (d.contact_data && Object.keys(d.contact_data).length) about += ' contact=' + JSON.stringify(d.contact_data).slice(0, 60);
  }
  return `${event.type} #${event.id} ${about}`;
}

socket.on('connect', () => {
  send({ type: 'register', address: PROVIDER });
  if (TENANT) send({ type: 'register', address: 'bridge.events.' + TENANT });
  setInterval(() => send({ type: 'ping' }), 20000); // the server answers {"type": "pong"}
  console.log(`worker on ${HOST}:${PORT}: serving ${PROVIDER}` + (TENANT ? `, events of ${TENANT}` : ''));
});
socket.on('error', (e) => console.error(`bridge at ${HOST}:${PORT}: ${e.message}`));
socket.on('close', () => {
  console.error('connection closed');
  process.exit(1);
});
