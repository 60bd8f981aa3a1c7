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
 * @param context what the turn's channel adds to the system prompt (a phone call: how to speak,
 *     what the chat before it said, what is known about the caller), or null; the local assistant,
 *     which answers from the instructions' own sentences, ignores it
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
    List<KnowledgePassage> knowledge,
    String context) {

  public AiRequest {
    knowledge = knowledge == null ? List.of() : List.copyOf(knowledge);
  }

  public AiRequest(String assistantName, String instructions, String greeting, String model, double temperature,
      int maxTokens, List<AiMessage> history, String userMessage, List<KnowledgePassage> knowledge) {
    this(assistantName, instructions, greeting, model, temperature, maxTokens, history, userMessage, knowledge, null);
  }
}
