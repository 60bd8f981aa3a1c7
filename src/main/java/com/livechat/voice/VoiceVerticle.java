package com.livechat.voice;

import com.livechat.bus.Addresses;
import com.livechat.error.AppError;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * The voice actor: answers the carrier's webhooks, which this node's HTTP verticles pass on as
 * voice.webhook requests (node-local, like chat.reply), with their TwiML; owns the node's relay
 * sockets ({@link LiveCalls}) and closes them when it stops. A failure travels back as an AppError
 * (docs/EVENTBUS.md).
 */
public final class VoiceVerticle extends VerticleBase {

  private final Calls calls;
  private final LiveCalls live;

  public VoiceVerticle(Calls calls, LiveCalls live) {
    this.calls = calls;
    this.live = live;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(Addresses.VOICE_WEBHOOK,
        message -> calls.webhook(message.body())
            .onSuccess(twiml -> message.reply(new JsonObject().put("twiml", twiml)))
            .onFailure(err -> message.fail(AppError.BUS_FAILURE_CODE, AppError.from(err).toJson().encode())));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    live.closeAll();
    return Future.succeededFuture();
  }
}
