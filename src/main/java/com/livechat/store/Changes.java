package com.livechat.store;

import java.util.List;

/** What a committed write produced, with the events it appended to the tenant's log. */
public record Changes<T>(T value, List<TenantEvent> events) {}
