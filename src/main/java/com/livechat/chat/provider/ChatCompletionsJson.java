package com.livechat.chat.provider;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAI Chat Completions wire format: the request we send (system prompt with the knowledge
 * passages, history, tools), the completion we accept, and the follow-up messages of the
 * tool-call round trip.
 */
final class ChatCompletionsJson {

  /**
   * Longest passage content put in a prompt; the rest is cut. Knowledge bases hold whole pages,
   * and one of them must not crowd out the others or the conversation.
   */
  static final int MAX_PASSAGE_CHARS = 2_000;

  /** Longest passage title put in a prompt. */
  static final int MAX_TITLE_CHARS = 200;

  /**
   * Most passage text (titles and contents) in one prompt, about 2,000 tokens: enough for the few
   * best passages, small enough to leave the model's context to the conversation and to keep the
   * cost of a turn predictable. Passages past it are left out (and are not sources of the reply).
   */
  static final int MAX_KNOWLEDGE_CHARS = 8_000;

  /** Error bodies go into exception messages and logs; a whole HTML error page would drown them. */
  private static final int MAX_DETAIL_CHARS = 300;

  static final String GROUNDING =
      "Knowledge base: answer from the numbered passages below when they cover the visitor's question. "
          + "If they do not cover it, say that you do not have that information rather than guessing.";

  static final String TOOL_HINT =
      "When the visitor tells you their name, email, phone, company, need, budget or timeline, record it with "
          + AiTools.UPDATE_CONTACT + ". When they ask for a person, or you cannot help them, call "
          + AiTools.REQUEST_HUMAN + "; do not promise them a person yourself: whether someone is available, "
          + "and what happens next, is added to your reply.";

  private ChatCompletionsJson() {}

  /**
   * The first request of a turn.
   *
   * @param tools whether to offer the model {@link AiTools}
   */
  static Prompt prompt(AiRequest request, String model, boolean tools) {
    List<KnowledgePassage> sources = new ArrayList<>();
    String knowledge = knowledgeSection(request.knowledge(), sources);
    JsonArray messages = new JsonArray();
    String system = systemPrompt(request.assistantName(), request.instructions(), request.context(), knowledge, tools);
    if (system != null) {
      messages.add(message("system", system));
    }
    if (request.history() != null) {
      for (AiMessage turn : request.history()) {
        // One bad turn would make the provider reject the whole request with a 400.
        if (turn != null && turn.role() != null && !turn.role().isBlank()) {
          messages.add(message(turn.role(), turn.content() == null ? "" : turn.content()));
        }
      }
    }
    messages.add(message("user", request.userMessage() == null ? "" : request.userMessage()));

    JsonObject body = new JsonObject().put("model", model).put("messages", messages);
    // NaN or infinity would serialise to invalid JSON.
    if (Double.isFinite(request.temperature())) {
      body.put("temperature", request.temperature());
    }
    if (request.maxTokens() > 0) {
      body.put("max_tokens", request.maxTokens());
    }
    if (tools) {
      body.put("tools", AiTools.definitions()).put("tool_choice", "auto");
    }
    return new Prompt(body, List.copyOf(sources));
  }

  /**
   * @throws AiProviderException when the body is not a usable completion: neither text nor a tool
   *     call
   */
  static Completion completion(Buffer body, String requestedModel) {
    JsonObject json = parseObject(body);
    try {
      JsonArray choices = json.getJsonArray("choices");
      if (choices == null || choices.isEmpty()) {
        throw badResponse("AI provider answered without choices" + errorSuffix(json));
      }
      JsonObject choice = choices.getJsonObject(0);
      JsonObject message = choice == null ? null : choice.getJsonObject("message");
      String content = message == null ? null : message.getString("content");
      List<ToolCall> toolCalls = message == null ? List.of() : toolCalls(message.getValue("tool_calls"));
      boolean hasText = content != null && !content.isBlank();
      if (!hasText && toolCalls.isEmpty()) {
        throw badResponse(
            "AI provider answered without content (finish_reason="
                + (choice == null ? null : choice.getValue("finish_reason")) + ")");
      }
      String model = json.getString("model");
      return new Completion(
          hasText ? content : null,
          toolCalls,
          model == null || model.isBlank() ? requestedModel : model,
          tokens(json));
    } catch (ClassCastException e) {
      throw new AiProviderException(
          AiProviderException.Reason.BAD_RESPONSE, "AI provider answered JSON of an unexpected shape", e);
    }
  }

  /** The provider's own explanation of an error (OpenAI puts it in error.message), else the body's start. */
  static String errorDetail(Buffer body) {
    if (body == null || body.length() == 0) {
      return "";
    }
    String text = body.toString();
    String explained = null;
    try {
      explained = explain(new JsonObject(text).getValue("error"));
    } catch (RuntimeException notJson) {
      // Keep the raw text: proxies and gateways answer errors in HTML or plain text.
    }
    return truncate(explained != null ? explained : text);
  }

  /**
   * The same request asking for Server-Sent Events, with the usage in a last chunk (without
   * {@code stream_options} OpenAI reports no usage when streaming).
   */
  static JsonObject streaming(JsonObject body) {
    return body.copy().put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
  }

  /**
   * A rough count of what a request and the text it got cost when the provider did not say: about
   * four characters per token.
   */
  static int estimatedTokens(JsonObject body, String completion) {
    long chars = completion == null ? 0 : completion.length();
    JsonArray messages = body.getJsonArray("messages");
    if (messages != null) {
      for (Object message : messages) {
        if (message instanceof JsonObject json && json.getValue("content") instanceof String content) {
          chars += content.length();
        }
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, (chars + 3) / 4);
  }

  /** The body of a turn's first request, and the passages its system prompt carries. */
  record Prompt(JsonObject body, List<KnowledgePassage> sources) {

    JsonArray messages() {
      return body.getJsonArray("messages");
    }

    /** The same request (model, settings, tools) with another conversation. */
    JsonObject withMessages(JsonArray messages) {
      return body.copy().put("messages", messages);
    }
  }

  /**
   * One function call of the model.
   *
   * @param rawArguments the arguments as sent: a JSON text
   * @param arguments the parsed arguments, or null when they were not a JSON object
   */
  record ToolCall(String id, String name, String rawArguments, JsonObject arguments) {}

  /**
   * One answer of the model.
   *
   * @param content its text, or null when it only called tools
   */
  record Completion(String content, List<ToolCall> toolCalls, String model, int tokens) {

    boolean requestsHuman() {
      return toolCalls.stream().anyMatch(call -> call.name().equals(AiTools.REQUEST_HUMAN));
    }

    /** Merges the fields of every well-formed update_contact call into {@code contact}, later calls winning. */
    void mergeContactInto(JsonObject contact) {
      for (ToolCall call : toolCalls) {
        if (call.name().equals(AiTools.UPDATE_CONTACT) && call.arguments() != null) {
          contact.mergeIn(AiTools.contactFields(call.arguments()));
        }
      }
    }

    /**
     * The messages that continue the conversation after tool calls, as the protocol wants them: the
     * assistant's message with its tool_calls, then one tool message per call answering it.
     */
    List<JsonObject> followUpMessages() {
      JsonArray calls = new JsonArray();
      List<JsonObject> out = new ArrayList<>();
      JsonObject assistant = new JsonObject().put("role", "assistant").put("content", content).put("tool_calls", calls);
      out.add(assistant);
      for (ToolCall call : toolCalls) {
        calls.add(new JsonObject()
            .put("id", call.id())
            .put("type", "function")
            .put("function", new JsonObject().put("name", call.name()).put("arguments", call.rawArguments())));
        out.add(new JsonObject().put("role", "tool").put("tool_call_id", call.id()).put("content", result(call)));
      }
      return out;
    }

    private static String result(ToolCall call) {
      if (!call.name().equals(AiTools.UPDATE_CONTACT)) {
        return "Unknown function; nothing was done.";
      }
      if (call.arguments() == null) {
        return "The arguments were not a valid JSON object; nothing was saved.";
      }
      JsonObject saved = AiTools.contactFields(call.arguments());
      return saved.isEmpty()
          ? "No known field was given; nothing was saved."
          : "Saved: " + String.join(", ", saved.fieldNames()) + ".";
    }
  }

  /** The well-formed function calls of a {@code tool_calls} array; others are skipped. */
  static List<ToolCall> toolCalls(Object value) {
    if (!(value instanceof JsonArray array)) {
      return List.of();
    }
    List<ToolCall> calls = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject call)) {
        continue;
      }
      Object type = call.getValue("type");
      if (type != null && !"function".equals(type) || !(call.getValue("function") instanceof JsonObject function)
          || !(function.getValue("name") instanceof String name) || name.isBlank()) {
        continue;
      }
      String id = call.getValue("id") instanceof String given && !given.isBlank() ? given : "call_" + i;
      Object arguments = function.getValue("arguments");
      // The protocol sends a JSON text; some compatible servers send the object itself.
      String raw = arguments instanceof JsonObject object ? object.encode() : arguments instanceof String s ? s : "";
      calls.add(new ToolCall(id, name.trim(), raw, parseArguments(raw)));
    }
    return calls;
  }

  private static JsonObject parseArguments(String raw) {
    if (raw.isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(raw);
    } catch (RuntimeException malformed) {
      return null;
    }
  }

  private static String knowledgeSection(List<KnowledgePassage> knowledge, List<KnowledgePassage> included) {
    StringBuilder section = new StringBuilder();
    int used = 0;
    for (KnowledgePassage passage : knowledge) {
      if (passage == null || passage.content() == null || passage.content().isBlank()) {
        continue;
      }
      String title = passage.title() == null ? "" : cut(passage.title().strip(), MAX_TITLE_CHARS);
      String content = cut(passage.content().strip(), MAX_PASSAGE_CHARS);
      if (used + title.length() + content.length() > MAX_KNOWLEDGE_CHARS) {
        break;
      }
      used += title.length() + content.length();
      included.add(passage);
      section.append("\n\n[").append(included.size()).append(']');
      if (!title.isEmpty()) {
        section.append(' ').append(title);
      }
      section.append('\n').append(content);
    }
    return included.isEmpty() ? null : GROUNDING + section;
  }

  private static String systemPrompt(String assistantName, String instructions, String context, String knowledge,
      boolean tools) {
    List<String> parts = new ArrayList<>();
    if (assistantName != null && !assistantName.isBlank()) {
      parts.add("You are " + assistantName.trim() + ".");
    }
    if (instructions != null && !instructions.isBlank()) {
      parts.add(instructions.trim());
    }
    if (context != null && !context.isBlank()) {
      parts.add(context.trim());
    }
    if (knowledge != null) {
      parts.add(knowledge);
    }
    if (tools) {
      parts.add(TOOL_HINT);
    }
    return parts.isEmpty() ? null : String.join("\n\n", parts);
  }

  private static JsonObject parseObject(Buffer body) {
    if (body == null || body.length() == 0) {
      throw badResponse("AI provider answered an empty body");
    }
    try {
      return new JsonObject(body);
    } catch (RuntimeException e) {
      throw new AiProviderException(AiProviderException.Reason.BAD_RESPONSE, "AI provider answered malformed JSON", e);
    }
  }

  /** What {@code json}'s usage says the exchange cost; 0 without usage. */
  static int tokens(JsonObject json) {
    JsonObject usage = json.getJsonObject("usage");
    if (usage == null) {
      return 0;
    }
    Integer total = usage.getInteger("total_tokens");
    if (total != null) {
      return total;
    }
    return usage.getInteger("prompt_tokens", 0) + usage.getInteger("completion_tokens", 0);
  }

  private static AiProviderException badResponse(String message) {
    return new AiProviderException(AiProviderException.Reason.BAD_RESPONSE, message);
  }

  private static String errorSuffix(JsonObject json) {
    String explained = explain(json.getValue("error"));
    return explained == null ? "" : ": " + truncate(explained);
  }

  static String explain(Object error) {
    if (error instanceof JsonObject object && object.getValue("message") instanceof String message) {
      return message;
    }
    return error instanceof String message ? message : null;
  }

  static String truncate(String text) {
    return cut(text, MAX_DETAIL_CHARS);
  }

  private static String cut(String text, int max) {
    return text.length() > max ? text.substring(0, max) + "…" : text;
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }
}
