package com.livechat.chat.provider;

import io.vertx.core.Future;

/**
 * Something that writes the assistant's next reply. Implementations never block the event loop;
 * a failed future carries an {@link AiProviderException}.
 */
public interface AiProvider {

  Future<AiReply> complete(AiRequest request);
}
