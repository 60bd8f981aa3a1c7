package com.livechat.chat.provider;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The OpenAI Chat Completions wire format: the request we send and the reply we accept. */
final class ChatCompletionsJson {

  /** Error bodies go into exception messages and logs; a whole HTML error page would drown them. */
  private static final int MAX_DETAIL_CHARS = 300;

  private ChatCompletionsJson() {}

  static JsonObject request(AiRequest request, String model) {
    JsonArray messages = new JsonArray();
    String system = systemPrompt(request.assistantName(), request.instructions());
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
    return body;
  }

  /**
   * @throws AiProviderException when the body is not a usable completion
   */
  static AiReply reply(Buffer body, String requestedModel) {
    JsonObject json = parseObject(body);
    try {
      JsonArray choices = json.getJsonArray("choices");
      if (choices == null || choices.isEmpty()) {
        throw new AiProviderException("AI provider answered without choices" + errorSuffix(json));
      }
      JsonObject choice = choices.getJsonObject(0);
      JsonObject message = choice == null ? null : choice.getJsonObject("message");
      String content = message == null ? null : message.getString("content");
      if (content == null || content.isBlank()) {
        throw new AiProviderException(
            "AI provider answered without content (finish_reason="
                + (choice == null ? null : choice.getValue("finish_reason")) + ")");
      }
      String model = json.getString("model");
      return new AiReply(content, model == null || model.isBlank() ? requestedModel : model, tokens(json));
    } catch (ClassCastException e) {
      throw new AiProviderException("AI provider answered JSON of an unexpected shape", e);
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

  private static JsonObject parseObject(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new AiProviderException("AI provider answered an empty body");
    }
    try {
      return new JsonObject(body);
    } catch (RuntimeException e) {
      throw new AiProviderException("AI provider answered malformed JSON", e);
    }
  }

  private static int tokens(JsonObject json) {
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

  private static String errorSuffix(JsonObject json) {
    String explained = explain(json.getValue("error"));
    return explained == null ? "" : ": " + truncate(explained);
  }

  private static String explain(Object error) {
    if (error instanceof JsonObject object && object.getValue("message") instanceof String message) {
      return message;
    }
    return error instanceof String message ? message : null;
  }

  private static String truncate(String text) {
    return text.length() > MAX_DETAIL_CHARS ? text.substring(0, MAX_DETAIL_CHARS) + "…" : text;
  }

  private static String systemPrompt(String assistantName, String instructions) {
    boolean named = assistantName != null && !assistantName.isBlank();
    boolean instructed = instructions != null && !instructions.isBlank();
    if (named && instructed) {
      return "You are " + assistantName.trim() + ".\n\n" + instructions.trim();
    }
    if (named) {
      return "You are " + assistantName.trim() + ".";
    }
    return instructed ? instructions.trim() : null;
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }
}
