package com.livechat.chat;

import com.livechat.assistant.Assistant;
import com.livechat.assistant.KnowledgeHit;
import com.livechat.chat.provider.AiMessage;
import com.livechat.chat.provider.AiRequest;
import com.livechat.chat.provider.KnowledgePassage;
import com.livechat.config.AppConfig;
import com.livechat.conversation.Message;
import io.vertx.core.json.JsonObject;
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

  /** How the assistant is to speak on a phone call. */
  static final String CALL_STYLE = "You are speaking with the caller on a phone call: your words are read aloud. "
      + "Answer in one to three short spoken sentences, without lists, markdown, links or emoji, and spell out "
      + "numbers and symbols the way a person would say them.";

  /** @param recent the conversation's latest messages, oldest first ({@code current} is skipped if among them) */
  public AiRequest prompt(Assistant assistant, List<Message> recent, Message current, List<KnowledgeHit> hits) {
    return prompt(assistant, recent, current, hits, null, null);
  }

  /**
   * The request of a turn on a phone call: as a chat turn, spoken, and with the context the call
   * starts from. The chat the caller came from (its latest messages, oldest first) comes before the
   * call's own history; what is known about the caller goes into the system prompt.
   */
  public AiRequest callPrompt(Assistant assistant, List<Message> chat, List<Message> recent, Message current,
      List<KnowledgeHit> hits, JsonObject contact, JsonObject variables) {
    List<Message> all = new ArrayList<>(chat);
    all.addAll(recent);
    StringBuilder context = new StringBuilder(CALL_STYLE);
    if (!chat.isEmpty()) {
      context.append(" The caller chatted with you on the website before calling; that chat comes first in the "
          + "conversation below, so do not ask again for what they already said.");
    }
    if (contact != null && !contact.isEmpty()) {
      context.append(" Known about the caller: ");
      List<String> known = new ArrayList<>();
      contact.forEach(e -> known.add(e.getKey() + " " + e.getValue()));
      context.append(String.join(", ", known)).append('.');
    }
    return prompt(assistant, all, current, hits, context.toString(), variables);
  }

  /** @param variables a campaign contact's values for the assistant's {{placeholders}}, or null */
  private AiRequest prompt(Assistant assistant, List<Message> recent, Message current, List<KnowledgeHit> hits,
      String context, JsonObject variables) {
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
    return new AiRequest(assistant.name(), Placeholders.fill(assistant.instructions(), variables),
        Placeholders.fill(assistant.greeting(), variables), assistant.model(),
        assistant.temperature(), assistant.maxTokens(), history, current.content(), passages, context);
  }
}
