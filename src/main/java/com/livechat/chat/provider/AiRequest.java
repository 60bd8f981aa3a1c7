package com.livechat.chat.provider;

import java.util.List;

/**
 * What the assistant is asked: its profile (name, instructions, greeting, model settings), the
 * recent history (oldest first, without the new message), the visitor's new message and the
 * knowledge passages found for it.
 *
 * @param model the assistant's model, or null/blank for the provider's default
 * @param knowledge passages the answer should be grounded on, best first; never null (null is
 *     read as none)
 */
public record AiRequest(
    String assistantName,
    String instructions,
    String greeting,
    String model,
    double temperature,
    int maxTokens,
    List<AiMessage> history,
    String userMessage,
    List<KnowledgePassage> knowledge) {

  public AiRequest {
    knowledge = knowledge == null ? List.of() : List.copyOf(knowledge);
  }
}
