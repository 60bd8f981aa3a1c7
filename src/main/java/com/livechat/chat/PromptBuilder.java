package com.livechat.chat;

import com.livechat.assistant.Assistant;
import com.livechat.assistant.KnowledgeHit;
import com.livechat.chat.provider.AiMessage;
import com.livechat.chat.provider.AiRequest;
import com.livechat.chat.provider.KnowledgePassage;
import com.livechat.config.AppConfig;
import com.livechat.conversation.Message;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The request a turn sends to the provider chain: the assistant's profile, the knowledge entries
 * that match the message, and the recent conversation, newest first until the history's token
 * budget is spent.
 */
public final class PromptBuilder {

  private final int historyTokenBudget;

  public PromptBuilder(AppConfig.Chat settings) {
    this.historyTokenBudget = settings.historyTokenBudget();
  }

  /** @param recent the conversation's latest messages, oldest first ({@code current} is skipped if among them) */
  public AiRequest prompt(Assistant assistant, List<Message> recent, Message current, List<KnowledgeHit> hits) {
    List<AiMessage> history = new ArrayList<>();
    int budget = historyTokenBudget;
    for (int i = recent.size() - 1; i >= 0; i--) {
      Message m = recent.get(i);
      if (m.id().equals(current.id())) {
        continue;
      }
      AiMessage turn = switch (m.role()) {
        case "visitor" -> AiMessage.user(m.content());
        case "assistant", "agent" -> AiMessage.assistant(m.content());
        default -> null; // system notes are for staff, not for the model
      };
      if (turn == null) {
        continue;
      }
      budget -= LocalAssistant.estimateTokens(m.content());
      if (budget < 0) {
        break;
      }
      history.add(turn);
    }
    Collections.reverse(history);
    List<KnowledgePassage> passages = hits.stream()
        .map(h -> new KnowledgePassage(h.id(), h.title(), h.content())).toList();
    return new AiRequest(assistant.name(), assistant.instructions(), assistant.greeting(), assistant.model(),
        assistant.temperature(), assistant.maxTokens(), history, current.content(), passages);
  }
}
