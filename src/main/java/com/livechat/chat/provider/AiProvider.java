package com.livechat.chat.provider;

import io.vertx.core.Future;

/**
 * Something that writes the assistant's next reply. Implementations never block the event loop;
 * a failed future carries an {@link AiProviderException}.
 */
public interface AiProvider {

  /**
   * @param stream where the reply's visible text goes as it is written (see {@link ReplyStream});
   *     an implementation that cannot stream may ignore it, the chain then passes the whole text on
   */
  Future<AiReply> complete(AiRequest request, ReplyStream stream);

  /** A reply nobody watches being written. */
  default Future<AiReply> complete(AiRequest request) {
    return complete(request, ReplyStream.discarding());
  }
}
