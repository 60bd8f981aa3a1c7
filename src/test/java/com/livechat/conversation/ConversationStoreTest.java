package com.livechat.conversation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.LiveChatServer;
import com.livechat.error.AppError;
import com.livechat.events.EventBatch;
import com.livechat.store.Ids;
import com.livechat.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConversationStoreTest {

  private LiveChatServer server;

  @BeforeAll
  void startServer() {
    server = TestServer.start();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  /** A node's cached assistant may have been deleted a moment ago on another node: a 404, not a 500. */
  @Test
  void aConversationWithAnAssistantDeletedMeanwhileIsAssistantNotFound() {
    String tenant = Ids.next("tnt");
    TestServer.sql(server, "INSERT INTO tenants (id, name, widget_config) VALUES ($1, 'Gone', '{}')", tenant);
    ConversationStore store = new ConversationStore(server.wiring().pool());
    assertThatThrownBy(() -> server.wiring().pool().withTransaction(tx ->
            store.insertConversation(tx, tenant, "asst-deleted-meanwhile", "s", "chat", new EventBatch())).await())
        .isInstanceOfSatisfying(AppError.class, e -> {
          assertThat(e.kind()).isEqualTo(AppError.Kind.NOT_FOUND);
          assertThat(e.code()).isEqualTo("assistant_not_found");
        });
  }
}
