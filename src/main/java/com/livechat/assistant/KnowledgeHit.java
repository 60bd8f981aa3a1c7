package com.livechat.assistant;

/**
 * An entry found for a visitor's question by {@link KnowledgeStore#search}.
 *
 * @param rank how well the entry matches, from 0 (exclusive: only matching entries are hits) to 1
 *     (exclusive). It is {@code s / (s + 1)}, where {@code s} adds up, over the distinct words of
 *     the question (stemmed, stop words left out) that the entry contains, ts_rank's score of that
 *     word: about 0.61 when it is in the title, 0.24 when it is once in the content, a little more
 *     for repeats, at most 1.0 (title) or 0.4 (content). It does not shrink as the question grows
 *     or the entry lengthens. Measured with English entries: one incidental content word ≈ 0.20,
 *     two ≈ 0.33; one title word ≈ 0.38, a title word also in the content ≈ 0.40; a question
 *     whose key words are the entry's title and content ("What are your opening hours on
 *     Saturday?" against "Opening hours") ≈ 0.6. From about 0.35 on, an entry matches well.
 */
public record KnowledgeHit(String id, String title, String content, double rank) {}
