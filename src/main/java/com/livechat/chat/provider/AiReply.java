package com.livechat.chat.provider;

/**
 * @param model the model that actually answered
 * @param tokens what the reply cost, prompt plus completion
 */
public record AiReply(String content, String model, int tokens) {}
