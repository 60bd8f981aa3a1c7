package com.livechat.campaign;

import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.store.Ids;
import com.livechat.store.Keyset;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/** /api/campaigns: any role reads, owners and admins write. */
public final class CampaignRoutes implements RouteGroup {

  /** A contact upload may be this large (a CSV of 10,000 rows with a few columns is far smaller). */
  static final int CONTACTS_BODY_LIMIT = 5 * 1024 * 1024;

  private final Campaigns campaigns;
  private final BodyHandler body;
  private final DashboardAuth auth;

  public CampaignRoutes(Campaigns campaigns, BodyHandler body, DashboardAuth auth) {
    this.campaigns = campaigns;
    this.body = body;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    BodyHandler contactsBody = BodyHandler.create(false).setBodyLimit(CONTACTS_BODY_LIMIT);
    router.get("/api/campaigns").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.post("/api/campaigns").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 201, this::create));
    router.get("/api/campaigns/:id").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::get));
    router.post("/api/campaigns/:id/contacts").handler(contactsBody).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::addContacts));
    router.get("/api/campaigns/:id/contacts").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::contacts));
    for (Campaigns.Action action : Campaigns.Action.values()) {
      router.post("/api/campaigns/:id/" + action.name().toLowerCase(Locale.ROOT)).handler(body).handler(auth)
          .handler(ctx -> Responses.reply(ctx, 200, c -> transition(c, action)));
    }
  }

  /** Newest first, without counts (GET one campaign for those). */
  private Future<JsonObject> list(RoutingContext ctx) {
    int limit = Paging.limit(ctx);
    return campaigns.list(DashboardAuth.principal(ctx).tenantId(), Paging.after(ctx), limit + 1)
        .map(rows -> Paging.page(rows, limit, Campaign::toJson, c -> new Keyset(c.createdAt(), c.id())));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    Campaign draft = CampaignInput.parse(Bodies.object(ctx), principal.tenantId(), Ids.next("cmp"));
    return campaigns.create(draft).map(CampaignRoutes::body);
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return campaigns.find(DashboardAuth.principal(ctx).tenantId(), ctx.pathParam("id")).map(CampaignRoutes::body);
  }

  /** A JSON body, or text/csv (application/csv accepted too). */
  private Future<JsonObject> addContacts(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    boolean csv = media.equals("text/csv") || media.equals("application/csv");
    if (!csv && !media.isEmpty() && !media.equals("application/json")) {
      throw AppError.invalid("invalid_content_type", "Send the contacts as application/json or text/csv.");
    }
    return campaigns.importContacts(principal.tenantId(), ctx.pathParam("id"), csv, ctx.body().buffer())
        .map(Campaigns.Imported::toJson);
  }

  /** In import order; ?status= one contact status. */
  private Future<JsonObject> contacts(RoutingContext ctx) {
    int limit = Paging.limit(ctx);
    long after = afterSeq(ctx);
    String status = ctx.request().getParam("status");
    if (status != null && status.isEmpty()) {
      status = null;
    }
    if (status != null && !Counts.STATUSES.contains(status)) {
      throw AppError.invalid("invalid_status", "status must be one of " + String.join(", ", Counts.STATUSES) + ".");
    }
    return campaigns.contacts(DashboardAuth.principal(ctx).tenantId(), ctx.pathParam("id"), status, after, limit + 1)
        .map(rows -> Paging.pageAfterId(rows, limit, CampaignStore.ListedContact::toJson, c -> cursor(c.seq())));
  }

  private Future<JsonObject> transition(RoutingContext ctx, Campaigns.Action action) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    return campaigns.transition(principal.tenantId(), ctx.pathParam("id"), action).map(CampaignRoutes::body);
  }

  private static JsonObject body(CampaignStore.Viewed viewed) {
    return new JsonObject().put("campaign", viewed.campaign().toJson().put("counts", viewed.counts().toJson()));
  }

  // the contact list pages by import position (seq), not by creation time: an import's rows share one

  private static String cursor(long seq) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("seq:" + seq).getBytes(StandardCharsets.UTF_8));
  }

  private static long afterSeq(RoutingContext ctx) {
    String cursor = ctx.request().getParam("cursor");
    if (cursor == null || cursor.isEmpty()) {
      return 0;
    }
    try {
      if (cursor.length() <= 64) {
        String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        if (raw.startsWith("seq:")) {
          long seq = Long.parseLong(raw.substring(4));
          if (seq >= 0) {
            return seq;
          }
        }
      }
    } catch (IllegalArgumentException ignored) {
      // falls through to the 400
    }
    throw AppError.invalid("invalid_cursor", "cursor is not one this server issued.");
  }
}
