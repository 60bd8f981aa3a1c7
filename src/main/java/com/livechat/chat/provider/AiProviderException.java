package com.livechat.chat.provider;

/** A provider could not produce a reply (down, timed out, refused, or answered garbage). */
public class AiProviderException extends RuntimeException {

  public AiProviderException(String message) {
    super(message);
  }

  public AiProviderException(String message, Throwable cause) {
    super(message, cause);
  }
}
