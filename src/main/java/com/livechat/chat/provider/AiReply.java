package com.livechat.chat.provider;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a provider answered.
 *
 * @param content the text for the visitor; null only when {@code handoff} is true and the model
 *     said nothing with its request for a human
 * @param model the model that actually answered
 * @param tokens what the reply cost, prompt plus completion, summed over every round trip
 * @param contact the fields the model passed to {@code update_contact} during this turn (merged
 *     over its calls; only the names in {@link AiTools#CONTACT_FIELDS}, values trimmed); empty
 *     when none
 * @param handoff the model called {@code request_human}
 * @param sources the passages the answer was grounded on (a remote provider: those it was given
 *     in its prompt); empty when none
 * @param interrupted the reply was cut short after part of it had been streamed (the stream broke
 *     or the turn was cancelled): {@code content} is exactly the text sent until then
 */
public record AiReply(
    String content, String model, int tokens, JsonObject contact, boolean handoff, List<KnowledgePassage> sources,
    boolean interrupted) {

  public AiReply {
    if (content == null && !handoff) {
      throw new IllegalArgumentException("a reply without content must be a handoff");
    }
    contact = contact == null ? new JsonObject() : contact;
    sources = sources == null ? List.of() : List.copyOf(sources);
  }

  public AiReply(String content, String model, int tokens, JsonObject contact, boolean handoff,
      List<KnowledgePassage> sources) {
    this(content, model, tokens, contact, handoff, sources, false);
  }

  public AiReply(String content, String model, int tokens) {
    this(content, model, tokens, new JsonObject(), false, List.of());
  }
}
