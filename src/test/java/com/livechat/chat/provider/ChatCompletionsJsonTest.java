package com.livechat.chat.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.conversation.LeadFields;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The limits on what goes into a prompt and what comes out of a tool call. */
class ChatCompletionsJsonTest {

  @Test
  void aLongPassageIsCutToItsLimit() {
    String content = "x".repeat(ChatCompletionsJson.MAX_PASSAGE_CHARS) + "TAIL";
    List<KnowledgePassage> knowledge = List.of(new KnowledgePassage("k1", "Long", content));

    ChatCompletionsJson.Prompt prompt = ChatCompletionsJson.prompt(request(knowledge), "m", false);

    String system = system(prompt);
    assertThat(system).contains("x".repeat(ChatCompletionsJson.MAX_PASSAGE_CHARS) + "…").doesNotContain("TAIL");
    assertThat(prompt.sources()).isEqualTo(knowledge);
  }

  @Test
  void passagesBeyondTheTotalLimitAreLeftOutAndAreNotSources() {
    int size = ChatCompletionsJson.MAX_PASSAGE_CHARS - 100;
    int fitting = ChatCompletionsJson.MAX_KNOWLEDGE_CHARS / (size + 2);
    List<KnowledgePassage> knowledge = new ArrayList<>();
    for (int i = 1; i <= fitting + 2; i++) {
      knowledge.add(new KnowledgePassage("k" + i, "T" + i, String.valueOf((char) ('a' + i)).repeat(size)));
    }

    ChatCompletionsJson.Prompt prompt = ChatCompletionsJson.prompt(request(knowledge), "m", false);

    String system = system(prompt);
    assertThat(prompt.sources()).isEqualTo(knowledge.subList(0, fitting));
    assertThat(system).contains("[" + fitting + "] T" + fitting).doesNotContain("[" + (fitting + 1) + "]");
  }

  @Test
  void passagesWithoutContentAreSkipped() {
    KnowledgePassage useful = new KnowledgePassage("k2", null, "Open 9 to 5.");
    List<KnowledgePassage> knowledge = List.of(new KnowledgePassage("k1", "Empty", " "), useful);

    ChatCompletionsJson.Prompt prompt = ChatCompletionsJson.prompt(request(knowledge), "m", false);

    assertThat(system(prompt)).contains("[1]\nOpen 9 to 5.").doesNotContain("Empty");
    assertThat(prompt.sources()).containsExactly(useful);
  }

  @Test
  void contactFieldsAreKnownNamesWithTrimmedValuesWithinTheirLimit() {
    JsonObject arguments = new JsonObject()
        .put("name", "  Ada ")
        .put("budget", 5000)
        .put("need", "x".repeat(LeadFields.MAX_SENT_CHARS + 1))
        .put("company", "y".repeat(LeadFields.MAX_SENT_CHARS))
        .put("email", " ")
        .put("phone", new JsonObject())
        .put("password", "hunter2");

    assertThat(AiTools.contactFields(arguments)).isEqualTo(new JsonObject()
        .put("name", "Ada").put("company", "y".repeat(LeadFields.MAX_SENT_CHARS)).put("budget", "5000"));
  }

  private static String system(ChatCompletionsJson.Prompt prompt) {
    return prompt.messages().getJsonObject(0).getString("content");
  }

  private static AiRequest request(List<KnowledgePassage> knowledge) {
    return new AiRequest("Ada", null, null, null, 0.3, 100, List.of(), "Hello?", knowledge);
  }
}
