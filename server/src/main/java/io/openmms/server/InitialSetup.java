package io.openmms.server;

import io.openmms.server.auth.ApiKeys;
import io.openmms.server.store.Groups;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * First-start set-up of an empty application database: an owner user, a group, the group's agent
 * API key and a programmatic API key with the global owner role. The credentials are returned
 * for the caller to show and write once (see {@code PrivateFiles}); only hashes stay in the
 * database.
 */
public final class InitialSetup {
  private InitialSetup() {}

  /** The credentials created at first start. */
  public record Credentials(String username, String password, String groupId, String agentKey,
      String publicKey, String privateKey) {

    /** The credentials plus {@code url}, in the order they are written. */
    public Map<String, String> asMap(String url) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("url", url);
      m.put("username", username);
      m.put("password", password);
      m.put("groupId", groupId);
      m.put("agentApiKey", agentKey);
      m.put("publicKey", publicKey);
      m.put("privateKey", privateKey);
      return m;
    }
  }

  /** Creates the owner, group and keys when the database has no user yet; else returns null. */
  public static Credentials ensure(OpenmmsServer server, String username, String groupName,
      String password) {
    if (server.users().count() > 0) {
      return null;
    }
    server.users().create(username, password, true);
    Groups.Group g = server.groups().create(groupName);
    String agentKey = server.agentKeys().create(g.id(), "Created at first start");
    ApiKeys.Created key = server.apiKeys().create("Created at first start", true,
        Map.of(g.id(), "GROUP_OWNER"));
    return new Credentials(username, password, g.id(), agentKey, key.publicKey(),
        key.privateKey());
  }
}
