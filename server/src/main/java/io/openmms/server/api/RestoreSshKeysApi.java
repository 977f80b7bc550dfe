package io.openmms.server.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.server.auth.Role;
import io.openmms.server.backup.Daemons;
import io.openmms.server.http.Links;
import io.openmms.server.store.Groups;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public keys SCP restores are pushed with (docs/restore-delivery-ssh.md, "The daemon's
 * key"): {@code GET groups/{groupId}/backup/restoreSshKeys} lists every live backup daemon that
 * published one, with its {@code id}, {@code host}, {@code blockstores} (it runs the restores of
 * snapshots in those stores), {@code keyType}, {@code publicKey} (the {@code authorized_keys}
 * line), {@code fingerprint} ({@code SHA256:…}) and {@code lastHeartbeat}. Daemons serve every
 * group, so the list is the same in each; reading it needs READ in the group. Public keys are not
 * secrets.
 */
public final class RestoreSshKeysApi {
  private final Groups groups;
  private final Daemons daemons;

  public RestoreSshKeysApi(Groups groups, Daemons daemons) {
    this.groups = groups;
    this.daemons = daemons;
  }

  /** The resource's path under the API for a group. */
  public static String href(String groupId) {
    return PublicApi.BASE + "/groups/" + groupId + "/backup/restoreSshKeys";
  }

  public void register(JavalinConfig config) {
    config.routes.get(href("{groupId}"), this::list);
  }

  private void list(Context ctx) {
    Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
    List<Object> out = new ArrayList<>();
    for (Daemons.Daemon d : daemons.live()) {
      if (d.restoreKey() != null) {
        out.add(json(d));
      }
    }
    ctx.json(Links.page(href(g.id()), out, 1, Math.max(1, out.size())));
  }

  private static Map<String, Object> json(Daemons.Daemon d) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", d.id());
    out.put("host", d.host());
    out.put("blockstores", d.blockstores());
    out.put("keyType", d.restoreKey().type());
    out.put("publicKey", d.restoreKey().line());
    out.put("fingerprint", d.restoreKey().fingerprint());
    out.put("lastHeartbeat", Links.iso(d.updated()));
    return out;
  }
}
