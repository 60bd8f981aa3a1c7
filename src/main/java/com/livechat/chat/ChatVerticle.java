package com.livechat.chat;

import com.livechat.bus.Addresses;
import com.livechat.error.AppError;
import com.livechat.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * The AI actor: answers chat.reply requests from this node's HTTP verticles, and stops a turn on
 * chat.cancel. The chat.reply consumer is node-local so that a chat turn never crosses the cluster.
 * A failure travels back as an AppError (docs/EVENTBUS.md).
 */
public final class ChatVerticle extends VerticleBase {

  private final ChatService chat;
  private final Metrics metrics;

  public ChatVerticle(ChatService chat, Metrics metrics) {
    this.chat = chat;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(Addresses.CHAT_REPLY, message -> {
      long started = System.nanoTime();
      chat.reply(message.body())
          .onComplete(ar -> metrics.chatTurn(outcome(ar.failed() ? null : ar.result()), System.nanoTime() - started))
          .onSuccess(message::reply)
          .onFailure(err -> message.fail(AppError.BUS_FAILURE_CODE, AppError.from(err).toJson().encode()));
    });
    // cluster-wide: an agent's takeover on any node stops the turn this node is writing
    MessageConsumer<JsonObject> cancels = vertx.eventBus().consumer(Addresses.CHAT_CANCEL, m -> chat.cancel(m.body()));
    return Future.all(consumer.completion(), cancels.completion());
  }

  private static String outcome(JsonObject reply) {
    if (reply == null) {
      return "failed";
    }
    return reply.getJsonObject("metadata").getBoolean("handoff", false) ? "handoff" : "answered";
  }
}
