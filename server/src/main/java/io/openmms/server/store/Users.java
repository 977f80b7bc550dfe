package io.openmms.server.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.auth.Passwords;
import io.openmms.server.auth.Principal;
import io.openmms.server.auth.Role;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * User accounts and their group memberships ({@code groups: {groupId: ROLE}}). Passwords are
 * stored as bcrypt hashes only. User names are compared case-insensitively. Thread-safe.
 */
public final class Users {
  private final MongoCollection<Document> users;
  private final Clock clock;

  public Users(AppDatabase db, Clock clock) {
    this.users = db.collection(Collections.USERS);
    this.clock = clock;
  }

  /** A user as pages show it. */
  public record User(String id, String username, boolean globalOwner, Map<String, String> groups,
      Date created) {

    public Principal principal() {
      return new Principal(id, username, false, globalOwner, groups);
    }
  }

  /** Creates a user; {@code globalOwner} grants every right on every group. Returns its id. */
  public String create(String username, String password, boolean globalOwner) {
    ObjectId id = new ObjectId();
    users.insertOne(new Document("_id", id).append("username", normalize(username))
        .append("passwordHash", Passwords.hash(password)).append("globalOwner", globalOwner)
        .append("groups", new Document()).append("created", Date.from(clock.instant())));
    return id.toHexString();
  }

  public static String normalize(String username) {
    return username.trim().toLowerCase(Locale.ROOT);
  }

  public long count() {
    return users.countDocuments();
  }

  /** The user when the name exists and the password matches, else {@code null}. */
  public User authenticate(String username, String password) {
    if (username == null || password == null) {
      return null;
    }
    Document d = users.find(Filters.eq("username", normalize(username))).first();
    if (d == null) {
      Passwords.verify(password, DUMMY_HASH);
      return null;
    }
    return Passwords.verify(password, d.getString("passwordHash")) ? of(d) : null;
  }

  /** A bcrypt hash checked for unknown user names, so timing does not reveal which names exist. */
  private static final String DUMMY_HASH = Passwords.hash("not-a-password");

  /** True when the user exists and the password matches. */
  public boolean checkPassword(String username, String password) {
    return authenticate(username, password) != null;
  }

  public User get(String id) {
    if (id == null || !ObjectId.isValid(id)) {
      return null;
    }
    Document d = users.find(Filters.eq("_id", new ObjectId(id))).first();
    return d == null ? null : of(d);
  }

  public User byName(String username) {
    Document d = users.find(Filters.eq("username", normalize(username))).first();
    return d == null ? null : of(d);
  }

  public List<User> list() {
    List<User> out = new ArrayList<>();
    users.find().sort(new Document("username", 1)).batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  /** Members of a group (global owners are not listed unless they are members). */
  public List<User> members(String groupId) {
    List<User> out = new ArrayList<>();
    for (User u : list()) {
      if (u.groups().containsKey(groupId)) {
        out.add(u);
      }
    }
    return out;
  }

  /** Gives a user a role in a group (adds the membership or changes its role). */
  public void setRole(String userId, String groupId, Role role) {
    users.updateOne(Filters.eq("_id", new ObjectId(userId)),
        new Document("$set", new Document("groups." + groupId, role.name())));
  }

  public void removeFromGroup(String userId, String groupId) {
    users.updateOne(Filters.eq("_id", new ObjectId(userId)),
        new Document("$unset", new Document("groups." + groupId, "")));
  }

  public void setPassword(String userId, String password) {
    users.updateOne(Filters.eq("_id", new ObjectId(userId)),
        new Document("$set", new Document("passwordHash", Passwords.hash(password))));
  }

  private static User of(Document d) {
    Map<String, String> groups = new HashMap<>();
    Document g = d.get("groups", Document.class);
    if (g != null) {
      g.forEach((k, v) -> groups.put(k, String.valueOf(v)));
    }
    return new User(d.getObjectId("_id").toHexString(), d.getString("username"),
        d.getBoolean("globalOwner", false), Map.copyOf(groups), d.getDate("created"));
  }
}
