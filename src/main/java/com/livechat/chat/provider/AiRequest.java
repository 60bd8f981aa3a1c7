package com.livechat.chat.provider;

import java.util.List;

/**
 * What the assistant is asked: its profile (name, instructions, greeting, model settings), the
 * recent history (oldest first, without the new message) and the visitor's new message.
 *
 * @param model the assistant's model, or null/blank for the provider's default
 */
public record AiRequest(
    String assistantName,
    String instructions,
    String greeting,
    String model,
    double temperature,
    int maxTokens,
    List<AiMessage> history,
    String userMessage) {}
