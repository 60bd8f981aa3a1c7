package com.livechat.voice.sim;

import java.util.List;

/**
 * One {@code POST …/Calls.json} the fake carrier's REST API received, accepted or not, as given
 * (absent parameters are null).
 *
 * @param timeNanos {@link System#nanoTime()} when the request arrived
 * @param events the {@code StatusCallbackEvent}s, in the order sent (empty when none)
 * @param httpStatus what it was answered: 201, or 400 / 401 / 429 …
 * @param errorCode Twilio's error code of a refusal (21211, 20003, 20429 …), or 0 when accepted
 * @param callSid the call it created, or null when refused
 */
public record RestRequest(
    long timeNanos,
    String to,
    String from,
    String url,
    String statusCallback,
    List<String> events,
    String machineDetection,
    String pathAccountSid,
    String method,
    String statusCallbackMethod,
    String timeout,
    int httpStatus,
    int errorCode,
    String callSid) {

  public boolean accepted() {
    return httpStatus == 201;
  }
}
