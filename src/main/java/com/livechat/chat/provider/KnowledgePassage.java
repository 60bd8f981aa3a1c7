package com.livechat.chat.provider;

/**
 * A piece of the tenant's knowledge base handed to a provider to ground its answer.
 *
 * @param id the passage's id, so that a reply can name its sources
 */
public record KnowledgePassage(String id, String title, String content) {}
