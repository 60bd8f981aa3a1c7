package com.livechat.chat.provider;

/** One turn of the conversation as a provider sees it; role is system, user or assistant. */
public record AiMessage(String role, String content) {

  public static AiMessage user(String content) {
    return new AiMessage("user", content);
  }

  public static AiMessage assistant(String content) {
    return new AiMessage("assistant", content);
  }
}
