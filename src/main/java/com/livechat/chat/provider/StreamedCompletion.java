package com.livechat.chat.provider;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.chat.provider.ChatCompletionsJson.Completion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Assembles the chunks of a streamed Chat Completion (the {@code data} of each Server-Sent Event)
 * into the same {@link Completion} a non-streamed answer gives: text deltas joined in order, tool
 * calls joined from their fragments by {@code index} (or taken whole, as Ollama sends them), the
 * model, the usage of the last chunk, the finish reason and {@code [DONE]}. Fields it does not know
 * ({@code role}, {@code refusal}, {@code reasoning}, …) are ignored: only {@code content} is ever
 * visible.
 */
final class StreamedCompletion {

  private final String requestedModel;
  private final StringBuilder content = new StringBuilder();
  /** How much of {@link #content} has been handed out as visible text. */
  private int released;
  private final List<CallParts> calls = new ArrayList<>();
  private final Map<Integer, CallParts> callsByIndex = new HashMap<>();
  private String model;
  private Integer usageTokens;
  private String finishReason;
  private boolean done;
  private boolean tokenSeen;

  StreamedCompletion(String requestedModel) {
    this.requestedModel = requestedModel;
  }

  /**
   * Takes the data of one event.
   *
   * @return the text it makes visible, empty when none. Leading blank text is held back until some
   *     other text follows: a model that writes a line break before its tool calls has said nothing
   * @throws AiProviderException the chunk is not JSON (BAD_RESPONSE), or it is the provider's
   *     {@code error} object (SERVER_ERROR, RATE_LIMITED when it says so)
   */
  String accept(String data) {
    if (done || data.isBlank()) {
      return "";
    }
    if (data.strip().equals("[DONE]")) {
      done = true;
      return "";
    }
    JsonObject chunk;
    try {
      chunk = new JsonObject(data);
    } catch (RuntimeException e) {
      throw new AiProviderException(Reason.BAD_RESPONSE, "AI provider streamed malformed JSON", e);
    }
    Object error = chunk.getValue("error");
    if (error != null) {
      throw streamedError(error);
    }
    if (chunk.getValue("model") instanceof String name && !name.isBlank()) {
      model = name;
    }
    if (chunk.getValue("usage") instanceof JsonObject) {
      usageTokens = ChatCompletionsJson.tokens(chunk);
    }
    // the usage chunk has "choices": [] (or null); with n=1 there is one choice
    if (!(chunk.getValue("choices") instanceof JsonArray choices) || choices.isEmpty()
        || !(choices.getValue(0) instanceof JsonObject choice)) {
      return "";
    }
    if (choice.getValue("finish_reason") instanceof String reason && !reason.isBlank()) {
      finishReason = reason;
    }
    if (!(choice.getValue("delta") instanceof JsonObject delta)) {
      return "";
    }
    if (delta.getValue("tool_calls") instanceof JsonArray parts) {
      for (Object part : parts) {
        if (part instanceof JsonObject fragment) {
          addToolCallFragment(fragment);
        }
      }
    }
    if (delta.getValue("content") instanceof String text && !text.isEmpty()) {
      tokenSeen = true;
      content.append(text);
      return release();
    }
    return "";
  }

  /** Whether {@code [DONE]} came. */
  boolean done() {
    return done;
  }

  /** Whether the provider said the completion is complete: {@code [DONE]} or a finish reason. */
  boolean finished() {
    return done || finishReason != null;
  }

  /** Whether a first token came: any text (even blank) or a tool-call fragment. */
  boolean started() {
    return tokenSeen;
  }

  /** The model that answered, as the chunks name it, else the one requested. */
  String model() {
    return model != null ? model : requestedModel;
  }

  /** The usage of the usage chunk, or null when none came (yet). */
  Integer usageTokens() {
    return usageTokens;
  }

  /**
   * What the stream amounts to.
   *
   * @throws AiProviderException (BAD_RESPONSE) when it brought neither text nor a tool call
   */
  Completion completion() {
    JsonArray wire = new JsonArray();
    for (CallParts call : calls) {
      wire.add(call.toJson());
    }
    List<ChatCompletionsJson.ToolCall> toolCalls = ChatCompletionsJson.toolCalls(wire);
    String text = content.toString();
    boolean hasText = !text.isBlank();
    if (!hasText && toolCalls.isEmpty()) {
      throw new AiProviderException(Reason.BAD_RESPONSE,
          "AI provider streamed no content (finish_reason=" + finishReason + ")");
    }
    return new Completion(hasText ? text : null, toolCalls, model(), usageTokens == null ? 0 : usageTokens);
  }

  private String release() {
    if (content.toString().isBlank()) {
      return "";
    }
    String visible = content.substring(released);
    released = content.length();
    return visible;
  }

  /**
   * OpenAI sends a call in fragments sharing an {@code index}: the first with id, type and name,
   * the next ones with pieces of the arguments text. Ollama sends each call whole, perhaps without
   * an index, perhaps every one with index 0, and its arguments perhaps as an object.
   */
  private void addToolCallFragment(JsonObject fragment) {
    tokenSeen = true;
    String id = fragment.getValue("id") instanceof String given && !given.isBlank() ? given : null;
    CallParts call;
    if (fragment.getValue("index") instanceof Number number) {
      int index = number.intValue();
      call = callsByIndex.get(index);
      if (call == null || id != null && call.id != null && !call.id.equals(id)) {
        call = newCall();
        callsByIndex.put(index, call);
      }
    } else {
      call = newCall();
    }
    if (id != null && call.id == null) {
      call.id = id;
    }
    if (fragment.getValue("type") instanceof String type && !type.isBlank()) {
      call.type = type;
    }
    if (fragment.getValue("function") instanceof JsonObject function) {
      if (function.getValue("name") instanceof String name && !name.isEmpty() && !call.name.toString().equals(name)) {
        call.name.append(name);
      }
      Object arguments = function.getValue("arguments");
      if (arguments instanceof String piece) {
        call.arguments.append(piece);
      } else if (arguments instanceof JsonObject whole) {
        call.arguments.setLength(0);
        call.arguments.append(whole.encode());
      }
    }
  }

  private CallParts newCall() {
    CallParts call = new CallParts();
    calls.add(call);
    return call;
  }

  private static AiProviderException streamedError(Object error) {
    String explained = ChatCompletionsJson.explain(error);
    String kind = error instanceof JsonObject object
        ? String.valueOf(object.getValue("type")) + ' ' + object.getValue("code") : "";
    Reason reason = kind.toLowerCase(Locale.ROOT).contains("rate_limit") ? Reason.RATE_LIMITED : Reason.SERVER_ERROR;
    return new AiProviderException(reason, "AI provider sent an error in its stream"
        + (explained == null ? "" : ": " + ChatCompletionsJson.truncate(explained)));
  }

  /** One tool call as its fragments arrive. */
  private static final class CallParts {
    String id;
    String type;
    final StringBuilder name = new StringBuilder();
    final StringBuilder arguments = new StringBuilder();

    JsonObject toJson() {
      JsonObject call = new JsonObject()
          .put("function", new JsonObject().put("name", name.toString()).put("arguments", arguments.toString()));
      if (id != null) {
        call.put("id", id);
      }
      if (type != null) {
        call.put("type", type);
      }
      return call;
    }
  }
}
