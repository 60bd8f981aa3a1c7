package com.livechat.chat.provider;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.chat.provider.ChatCompletionsJson.Completion;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One request to a bus provider: the Chat Completions request the server would POST to an
 * OpenAI-compatible endpoint, sent as JSON to {@code ai.provider.<name>}, where a worker (on the
 * TCP bridge, or any consumer) answers it (docs/EVENTBUS.md):
 * <ul>
 *   <li><b>whole</b> ({@code "stream": false}): the reply is a Chat Completions response;
 *   <li><b>streamed</b> ({@code "stream": true}): the request's {@code stream-to} and {@code
 *       stream-id} headers name where chunks go; the worker sends each {@code chat.completion.chunk}
 *       there with {@code stream-seq} 0, 1, 2…, then replies to the request with a last chunk (its
 *       finish_reason and usage) and {@code stream-chunks}: how many it sent before. Chunks are put
 *       back in order; the reply waits for the ones still on their way.
 * </ul>
 * A failure reply's code is read as an HTTP status (429 rate-limited, 5xx the provider's fault, 4xx
 * this request refused); nobody registered fails at once, so the chain moves on. The time limits are
 * those of an HTTP provider: the whole attempt, the first token, the silence between chunks. Every
 * callback runs on the context it was started on.
 */
final class BusAttempt extends ChunkedAttempt {

  private final String address;
  private final BusStreams streams;
  private final String streamId = UUID.randomUUID().toString();
  private final TreeMap<Integer, JsonObject> early = new TreeMap<>();
  private int nextSeq;
  private Integer expected;
  private JsonObject last;

  BusAttempt(Vertx vertx, Context context, String address, BusStreams streams, JsonObject body, String model,
      ReplyStream stream, long attemptMs, OpenAiSettings settings) {
    super(vertx, context, body, model, stream, attemptMs, settings, "bus provider " + address);
    this.address = address;
    this.streams = streams;
  }

  /** A whole answer: the reply is a Chat Completions response. */
  static Future<Completion> whole(Vertx vertx, String address, JsonObject body, String model, long attemptMs) {
    return vertx.eventBus().<Object>request(address, body, new DeliveryOptions().setSendTimeout(attemptMs))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(failure(ar.cause(), address, attemptMs));
          }
          if (!(ar.result().body() instanceof JsonObject reply)) {
            return Future.failedFuture(new AiProviderException(Reason.BAD_RESPONSE,
                "the worker of " + address + " answered something other than a JSON object"));
          }
          try {
            return Future.succeededFuture(ChatCompletionsJson.completion(reply.toBuffer(), model));
          } catch (AiProviderException e) {
            return Future.failedFuture(e);
          }
        });
  }

  @Override
  protected void send() {
    streams.open(streamId, context, this::onChunk);
    streams.ready().onComplete(registered -> {
      if (over()) {
        return;
      }
      if (registered.failed()) {
        fail(new AiProviderException(Reason.UNREACHABLE, "this node's stream address is not registered: "
            + registered.cause().getMessage(), registered.cause()));
        return;
      }
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(attemptMs)
          .addHeader("stream-to", streams.address()).addHeader("stream-id", streamId);
      vertx.eventBus().<Object>request(address, body, options).onComplete(this::onLast);
    });
  }

  @Override
  protected void stopped(boolean failed) {
    // the worker's late chunks are dropped; its request runs on until it answers or times out
    streams.close(streamId);
  }

  private void onChunk(int seq, JsonObject chunk) {
    if (over() || seq < nextSeq) {
      return;
    }
    early.put(seq, chunk);
    armChunkTimer();
    drain();
  }

  private void onLast(AsyncResult<Message<Object>> reply) {
    if (over()) {
      return;
    }
    if (reply.failed()) {
      fail(failure(reply.cause(), address, attemptMs));
      return;
    }
    if (!(reply.result().body() instanceof JsonObject lastChunk)) {
      fail(new AiProviderException(Reason.BAD_RESPONSE, "the worker of " + address
          + " answered something other than a JSON object"));
      return;
    }
    String count = reply.result().headers().get("stream-chunks");
    try {
      expected = count == null ? null : Integer.parseInt(count.trim());
    } catch (NumberFormatException e) {
      fail(new AiProviderException(Reason.BAD_RESPONSE, "the worker's stream-chunks is not a number: " + count));
      return;
    }
    last = lastChunk;
    drain();
  }

  /** Passes on the chunks that are next in order; ends once the last reply and every chunk before it are in. */
  private void drain() {
    try {
      while (!over() && early.containsKey(nextSeq)) {
        pass(early.remove(nextSeq).encode());
        nextSeq++;
      }
      if (over() || last == null || expected != null && nextSeq < expected) {
        return;
      }
      if (nextSeq == 0 && isWhole(last)) {
        // a worker that answered a streamed request whole: the chain passes the text on as one delta
        succeed(ChatCompletionsJson.completion(last.toBuffer(), completion.model()));
        return;
      }
      pass(asChunk(last).encode());
      if (!completion.finished()) {
        pass("[DONE]");
      }
      finish();
    } catch (AiProviderException e) {
      fail(e);
    } catch (RuntimeException e) {
      fail(new AiProviderException(Reason.BAD_RESPONSE, "the worker's stream could not be read: " + e, e));
    }
  }

  private static boolean isWhole(JsonObject reply) {
    JsonArray choices = reply.getJsonArray("choices");
    return choices != null && !choices.isEmpty() && choices.getValue(0) instanceof JsonObject first
        && first.containsKey("message");
  }

  /** The last reply as a chunk: a whole response after chunks only adds its usage and finish reason. */
  private static JsonObject asChunk(JsonObject last) {
    if (!isWhole(last)) {
      return last;
    }
    JsonObject chunk = new JsonObject().put("choices", new JsonArray().add(new JsonObject()
        .put("index", 0).put("delta", new JsonObject())
        .put("finish_reason", last.getJsonArray("choices").getJsonObject(0).getString("finish_reason", "stop"))));
    if (last.containsKey("usage")) {
      chunk.put("usage", last.getValue("usage"));
    }
    if (last.containsKey("model")) {
      chunk.put("model", last.getValue("model"));
    }
    return chunk;
  }

  /** The bus's failures as the chain's: nobody serving, no answer in time, or the worker's own failure code. */
  static AiProviderException failure(Throwable cause, String address, long attemptMs) {
    if (cause instanceof ReplyException reply) {
      switch (reply.failureType()) {
        case NO_HANDLERS:
          return new AiProviderException(Reason.NO_WORKER, "no worker serves " + address);
        case TIMEOUT:
          return new AiProviderException(Reason.TIMEOUT, "the worker of " + address + " did not answer within "
              + attemptMs + " ms");
        default:
          int code = reply.failureCode();
          String message = reply.getMessage() == null ? "" : reply.getMessage();
          if (code >= 400 && code <= 599) {
            return OpenAiProvider.statusFailure(code, Buffer.buffer(new JsonObject().put("error",
                new JsonObject().put("message", message)).encode()), null, null);
          }
          return new AiProviderException(Reason.SERVER_ERROR, "the worker of " + address + " failed (" + code + "): "
              + message);
      }
    }
    return OpenAiProvider.classify(cause, attemptMs);
  }
}
