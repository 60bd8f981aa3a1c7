package com.livechat.chat.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.chat.provider.ChatCompletionsJson.Completion;
import com.livechat.chat.provider.ChatCompletionsJson.ToolCall;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streamed chunks in the real OpenAI (and Ollama) shapes, assembled into one completion. */
class StreamedCompletionTest {

  private static final String ROLE =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
          + "\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
          + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}";
  private static final String STOP =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\","
          + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}";
  private static final String USAGE =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\","
          + "\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":7,\"total_tokens\":49}}";

  private final StreamedCompletion completion = new StreamedCompletion("requested-model");

  @Test
  void contentDeltasAreVisibleInOrderAndJoinToTheContent() {
    List<String> visible = feed(ROLE, content("Hel"), content("lo, "), content("wörld 😀"), STOP, USAGE, "[DONE]");

    assertThat(visible).containsExactly("Hel", "lo, ", "wörld 😀");
    assertThat(completion.done()).isTrue();
    Completion done = completion.completion();
    assertThat(done.content()).isEqualTo("Hello, wörld 😀");
    assertThat(done.toolCalls()).isEmpty();
    assertThat(done.model()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(done.tokens()).isEqualTo(49);
  }

  @Test
  void aUsageChunkWithNullChoicesCountsToo() {
    feed(content("Hi"), "{\"choices\":null,\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3}}");

    assertThat(completion.usageTokens()).isEqualTo(13);
    assertThat(completion.completion().tokens()).isEqualTo(13);
  }

  @Test
  void withoutModelOrUsageTheRequestedModelAndZeroTokens() {
    feed("{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}");

    assertThat(completion.usageTokens()).isNull();
    Completion done = completion.completion();
    assertThat(done.model()).isEqualTo("requested-model");
    assertThat(done.tokens()).isZero();
    assertThat(completion.finished()).as("neither a finish reason nor [DONE]").isFalse();
  }

  @Test
  void unknownDeltaFieldsAreIgnoredAndNeverVisible() {
    List<String> visible = feed(ROLE,
        delta("{\"reasoning\":\"The user wants a price.\"}"),
        delta("{\"reasoning_content\":\"Think hard.\",\"content\":null}"),
        delta("{\"role\":\"assistant\",\"refusal\":null,\"content\":\"Ten\",\"audio\":{\"id\":\"x\"}}"),
        delta("{\"content\":\" dollars.\",\"reasoning\":\"done\"}"), STOP);

    assertThat(visible).containsExactly("Ten", " dollars.");
    assertThat(completion.completion().content()).isEqualTo("Ten dollars.");
  }

  @Test
  void onlyTextOrAToolCallFragmentIsAFirstToken() {
    feed(ROLE, delta("{\"reasoning\":\"hmm\"}"), ": not json but never fed", USAGE.replace("\"choices\":[]", "\"x\":1"));

    assertThat(completion.started()).isFalse();
    feed(toolCalls("{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"request_human\","
        + "\"arguments\":\"\"}}"));
    assertThat(completion.started()).isTrue();
  }

  @Test
  void toolCallFragmentsAreJoinedByIndex() {
    List<String> visible = feed(ROLE,
        toolCalls("{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"update_contact\","
            + "\"arguments\":\"\"}}"),
        toolCalls("{\"index\":0,\"function\":{\"arguments\":\"{\\\"name\\\":\"}}"),
        toolCalls("{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"request_human\","
            + "\"arguments\":\"{}\"}}"),
        toolCalls("{\"index\":0,\"function\":{\"arguments\":\"\\\"Ada\\\",\\\"email\\\"\"}}"),
        toolCalls("{\"index\":0,\"function\":{\"arguments\":\":\\\"ada@example.com\\\"}\"}}"),
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}", USAGE, "[DONE]");

    assertThat(visible).isEmpty();
    Completion done = completion.completion();
    assertThat(done.content()).isNull();
    assertThat(done.toolCalls()).containsExactly(
        new ToolCall("call_a", "update_contact", "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}",
            new JsonObject().put("name", "Ada").put("email", "ada@example.com")),
        new ToolCall("call_b", "request_human", "{}", new JsonObject()));
    assertThat(done.requestsHuman()).isTrue();
  }

  @Test
  void wholeToolCallsAsOllamaSendsThem() {
    feed("{\"model\":\"llama3.2\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
            + "\"tool_calls\":[{\"id\":\"call_x\",\"function\":{\"name\":\"update_contact\","
            + "\"arguments\":{\"name\":\"Ada\"}}}]},\"finish_reason\":null}]}",
        // Ollama numbers every call 0; a new id is a new call
        toolCalls("{\"index\":0,\"id\":\"call_y\",\"type\":\"function\",\"function\":{\"name\":\"update_contact\","
            + "\"arguments\":\"{\\\"phone\\\":\\\"+44 20 7946 0000\\\"}\"}}"),
        toolCalls("{\"function\":{\"name\":\"request_human\",\"arguments\":{}}}"),
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}", "[DONE]");

    Completion done = completion.completion();
    assertThat(done.model()).isEqualTo("llama3.2");
    assertThat(done.toolCalls()).extracting(ToolCall::id).containsExactly("call_x", "call_y", "call_2");
    assertThat(done.toolCalls()).extracting(ToolCall::rawArguments)
        .containsExactly("{\"name\":\"Ada\"}", "{\"phone\":\"+44 20 7946 0000\"}", "{}");
    JsonObject contact = new JsonObject();
    done.mergeContactInto(contact);
    assertThat(contact).isEqualTo(new JsonObject().put("name", "Ada").put("phone", "+44 20 7946 0000"));
    assertThat(done.requestsHuman()).isTrue();
  }

  @Test
  void aRepeatedFunctionNameIsNotDoubled() {
    feed(toolCalls("{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"update_contact\",\"arguments\":\"{\"}}"),
        toolCalls("{\"index\":0,\"function\":{\"name\":\"update_contact\",\"arguments\":\"}\"}}"), STOP);

    assertThat(completion.completion().toolCalls())
        .containsExactly(new ToolCall("c", "update_contact", "{}", new JsonObject()));
  }

  @Test
  void textAndAToolCallInOneStream() {
    List<String> visible = feed(content("Let me find someone."),
        toolCalls("{\"index\":0,\"id\":\"h\",\"type\":\"function\",\"function\":{\"name\":\"request_human\","
            + "\"arguments\":\"{}\"}}"), STOP);

    assertThat(visible).containsExactly("Let me find someone.");
    Completion done = completion.completion();
    assertThat(done.content()).isEqualTo("Let me find someone.");
    assertThat(done.requestsHuman()).isTrue();
  }

  @Test
  void leadingBlankTextIsHeldBackUntilRealTextFollows() {
    assertThat(feed(content("\n"), content(" "))).isEmpty();
    assertThat(completion.started()).isTrue();
    assertThat(feed(content("Hi"), content(" there"))).containsExactly("\n Hi", " there");
    assertThat(completion.completion().content()).isEqualTo("\n Hi there");
  }

  @Test
  void blankTextBeforeToolCallsIsNeverShown() {
    List<String> visible = feed(content("\n\n"),
        toolCalls("{\"index\":0,\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"update_contact\","
            + "\"arguments\":\"{}\"}}"), STOP);

    assertThat(visible).isEmpty();
    assertThat(completion.completion().content()).as("as in a whole answer: blank is no text").isNull();
  }

  @Test
  void whatComesAfterDoneIsIgnored() {
    feed(content("Hi"), "[DONE]", content(" again"), "{\"error\":{\"message\":\"late\"}}");

    assertThat(completion.completion().content()).isEqualTo("Hi");
  }

  @Test
  void anErrorObjectInTheStreamFailsWithItsMessage() {
    feed(ROLE, content("Par"));

    assertThatThrownBy(() -> completion.accept(
        "{\"error\":{\"message\":\"The server had an error while processing your request.\","
            + "\"type\":\"server_error\",\"param\":null,\"code\":null}}"))
        .isInstanceOfSatisfying(AiProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.SERVER_ERROR);
          assertThat(e).hasMessage("AI provider sent an error in its stream: "
              + "The server had an error while processing your request.");
        });
  }

  @Test
  void aRateLimitErrorInTheStreamIsARateLimit() {
    assertThatThrownBy(() -> completion.accept(
        "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}"))
        .isInstanceOfSatisfying(AiProviderException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.RATE_LIMITED));
    assertThatThrownBy(() -> new StreamedCompletion("m").accept("{\"error\":\"overloaded\"}"))
        .hasMessage("AI provider sent an error in its stream: overloaded");
  }

  @Test
  void malformedJsonIsABadResponse() {
    for (String data : List.of("{\"choices\": [", "[1,2]", "hello")) {
      assertThatThrownBy(() -> new StreamedCompletion("m").accept(data)).as(data)
          .isInstanceOfSatisfying(AiProviderException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.BAD_RESPONSE));
    }
  }

  @Test
  void chunksOfAnUnexpectedShapeAreSkipped() {
    List<String> visible = feed("{\"choices\":\"nope\"}", "{\"choices\":[1]}", "{\"choices\":[{\"delta\":\"x\"}]}",
        "{\"choices\":[{\"delta\":{\"content\":7,\"tool_calls\":\"x\"}}]}", "{\"choices\":[{\"delta\":{\"tool_calls\":[3]}}]}",
        content("ok"));

    assertThat(visible).containsExactly("ok");
    assertThat(completion.completion().content()).isEqualTo("ok");
  }

  @Test
  void aStreamWithoutTextOrToolCallsIsABadResponse() {
    feed(ROLE, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}", USAGE, "[DONE]");

    assertThat(completion.finished()).isTrue();
    assertThatThrownBy(completion::completion)
        .isInstanceOfSatisfying(AiProviderException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.BAD_RESPONSE))
        .hasMessageContaining("finish_reason=length");
  }

  private List<String> feed(String... data) {
    List<String> visible = new ArrayList<>();
    for (String event : data) {
      if (event.startsWith(":")) {
        continue;
      }
      String text = completion.accept(event);
      if (!text.isEmpty()) {
        visible.add(text);
      }
    }
    return visible;
  }

  private static String content(String text) {
    return delta(new JsonObject().put("content", text).encode());
  }

  private static String delta(String delta) {
    return "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"logprobs\":null,\"finish_reason\":null}]}";
  }

  private static String toolCalls(String... parts) {
    return delta("{\"tool_calls\":[" + String.join(",", parts) + "]}");
  }
}
