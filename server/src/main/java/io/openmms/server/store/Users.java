package io.openmms.server.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.auth.Passwords;
import java.time.Clock;
import java.util.Date;
import org.bson.Document;
import org.bson.types.ObjectId;

/** User accounts. Passwords are stored as bcrypt hashes only. Thread-safe. */
public final class Users {
  private final MongoCollection<Document> users;
  private final Clock clock;

  public Users(AppDatabase db, Clock clock) {
    this.users = db.collection(Collections.USERS);
    this.clock = clock;
  }

  /** Creates a user; {@code globalOwner} grants every right on every group. Returns its id. */
  public String create(String username, String password, boolean globalOwner) {
    ObjectId id = new ObjectId();
    users.insertOne(new Document("_id", id).append("username", username)
        .append("passwordHash", Passwords.hash(password)).append("globalOwner", globalOwner)
        .append("created", Date.from(clock.instant())));
    return id.toHexString();
  }

  public long count() {
    return users.countDocuments();
  }

  /** True when the user exists and the password matches. */
  public boolean checkPassword(String username, String password) {
    Document d = users.find(Filters.eq("username", username)).first();
    return d != null && Passwords.verify(password, d.getString("passwordHash"));
  }
}
