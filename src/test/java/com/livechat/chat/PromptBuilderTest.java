package com.livechat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.assistant.Assistant;
import com.livechat.assistant.KnowledgeHit;
import com.livechat.chat.provider.AiMessage;
import com.livechat.chat.provider.AiRequest;
import com.livechat.chat.provider.KnowledgePassage;
import com.livechat.config.AppConfig;
import com.livechat.conversation.Message;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conversation memory of a prompt: recent messages, newest first, within the token budget. */
class PromptBuilderTest {

  private static final Assistant ASSISTANT = new Assistant("asst-1", "tnt-1", "Acme", "Be brief.", "gpt-x", "Hi!",
      0.2, 300, List.of(), new JsonObject());

  private static PromptBuilder service(int historyTokenBudget) {
    AppConfig.Chat settings = new AppConfig.Chat(30_000, 20, historyTokenBudget, List.of("human"), "Passing you on.",
        3, "US", new AppConfig.Offers("Someone?", "Leave details?", "Nobody there.", "Nobody there, noted.", "Details?"));
    return new PromptBuilder(settings);
  }

  private static Message message(int i, String role, String content) {
    return new Message("msg-" + i, "conv-1", role, content, new JsonObject(), OffsetDateTime.now());
  }

  @Test
  void keepsTheNewestMessagesThatFitTheBudgetInOrder() {
    List<Message> recent = new ArrayList<>();
    // 20 characters each: 5 tokens at 4 characters a token
    recent.add(message(1, "visitor", "aaaaaaaaaaaaaaaaaaaa"));
    recent.add(message(2, "assistant", "bbbbbbbbbbbbbbbbbbbb"));
    recent.add(message(3, "system", "staff note, never sent to a model"));
    recent.add(message(4, "visitor", "cccccccccccccccccccc"));
    recent.add(message(5, "agent", "dddddddddddddddddddd"));
    Message current = message(6, "visitor", "the new question");
    recent.add(current);

    AiRequest request = service(15).prompt(ASSISTANT, recent, current, List.of());
    assertThat(request.history()).extracting(AiMessage::content)
        .containsExactly("bbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccc", "dddddddddddddddddddd");
    assertThat(request.history()).extracting(AiMessage::role).containsExactly("assistant", "user", "assistant");
    assertThat(request.userMessage()).isEqualTo("the new question");
    assertThat(request.model()).isEqualTo("gpt-x");

    assertThat(service(0).prompt(ASSISTANT, recent, current, List.of()).history()).isEmpty();
    assertThat(service(1000).prompt(ASSISTANT, recent, current, List.of()).history()).hasSize(4);
  }

  @Test
  void carriesTheMatchingKnowledgeEntries() {
    Message current = message(1, "visitor", "opening hours?");
    AiRequest request = service(100).prompt(ASSISTANT, List.of(current), current,
        List.of(new KnowledgeHit("doc-1", "Opening hours", "9 to 5", 0.5)));
    assertThat(request.knowledge()).containsExactly(new KnowledgePassage("doc-1", "Opening hours", "9 to 5"));
  }
}
