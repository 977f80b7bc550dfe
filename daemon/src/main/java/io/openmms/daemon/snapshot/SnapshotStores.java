package io.openmms.daemon.snapshot;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.openmms.blockstore.BlockCodec;
import io.openmms.blockstore.BlockKey;
import io.openmms.blockstore.BlockStore;
import io.openmms.blockstore.FileBlockStore;
import io.openmms.blockstore.MongoBlockStore;
import io.openmms.blockstore.S3BlockStore;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The block stores the daemon writes snapshots to (SPEC §2; docs/snapshots.md, "Block stores"),
 * parsed from {@code daemon.blockstores}: a comma-separated list of {@code name=location}, where
 * a location is {@code file:<directory>}, a {@code mongodb://} or {@code mongodb+srv://}
 * connection string (the blocks go to the database in its path, default
 * {@code openmms_blockstore}), or {@code s3://<bucket>/<prefix>?endpoint=…&region=…&accessKey=…
 * &secretKey=…}. The first store is the default for backups not yet assigned one.
 *
 * <p>Each group has its own <em>domain</em> in a store — a subdirectory, a collection
 * {@code blocks.<groupId>}, or a key prefix — sealed with the group's key when
 * {@code <keys dir>/<groupId>.key} exists (32 random bytes, base64): blocks are deduplicated
 * within a group, never across groups, and one group's key never opens another's blocks.
 * Domains are opened on first use and kept open. Thread-safe.
 */
public final class SnapshotStores implements Closeable {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** One configured store: its name and where it lives. */
  public record StoreConfig(String name, String location) {
    @Override
    public String toString() {
      return name + "=" + redacted(location);
    }
  }

  private final List<StoreConfig> configs;
  private final Path keysDir;
  private final SecureRandom random;
  private final Map<String, BlockStore> open = new LinkedHashMap<>();
  private final Map<String, MongoClient> mongoClients = new LinkedHashMap<>();

  public SnapshotStores(List<StoreConfig> configs, Path keysDir, SecureRandom random) {
    if (configs.isEmpty()) {
      throw new IllegalArgumentException("no block store is configured");
    }
    this.configs = List.copyOf(configs);
    this.keysDir = keysDir;
    this.random = random;
  }

  /**
   * Parses {@code daemon.blockstores}. Errors name the entry and say what is expected;
   * relative file paths resolve against {@code base}.
   */
  public static List<StoreConfig> parse(String spec, Path base) {
    List<StoreConfig> out = new ArrayList<>();
    for (String entry : spec.split(",")) {
      String e = entry.strip();
      if (e.isEmpty()) {
        continue;
      }
      int eq = e.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("block store '" + redacted(e) + "' is not of the form"
            + " name=location (for example main=file:/var/lib/openmms/blocks)");
      }
      String name = e.substring(0, eq).strip();
      String loc = e.substring(eq + 1).strip();
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("block store name '" + name + "' must be 1-64 letters,"
            + " digits, '-' or '_'");
      }
      if (out.stream().anyMatch(c -> c.name().equals(name))) {
        throw new IllegalArgumentException("block store '" + name + "' is configured twice");
      }
      String location = loc;
      if (loc.startsWith("file:")) {
        Path p = base.resolve(loc.substring("file:".length()).replaceFirst("^//", ""));
        location = "file:" + p.toAbsolutePath().normalize();
      } else if (loc.startsWith("mongodb://") || loc.startsWith("mongodb+srv://")) {
        try {
          new ConnectionString(loc);
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("block store '" + name + "': invalid MongoDB"
              + " connection string: " + ex.getMessage());
        }
      } else if (loc.startsWith("s3://")) {
        URI uri;
        try {
          uri = URI.create(loc);
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("block store '" + name + "': invalid S3 location: "
              + redacted(ex.getMessage()));
        }
        Map<String, String> q = query(uri);
        if (uri.getHost() == null || q.get("endpoint") == null) {
          throw new IllegalArgumentException("block store '" + name + "': an S3 location is"
              + " s3://<bucket>/<prefix>?endpoint=<url>&region=<region>&accessKey=<key>"
              + "&secretKey=<secret>");
        }
      } else {
        throw new IllegalArgumentException("block store '" + name + "': location '"
            + redacted(loc) + "' must start with file:, mongodb://, mongodb+srv:// or s3://");
      }
      out.add(new StoreConfig(name, location));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("daemon.blockstores lists no store");
    }
    return out;
  }

  /** The name of the domain of {@code groupId} in store {@code store}. */
  public static String domain(String store, String groupId) {
    return store + "/" + groupId;
  }

  /** The default store for new backups: the first configured. */
  public String defaultStore() {
    return configs.get(0).name();
  }

  public List<String> names() {
    return configs.stream().map(StoreConfig::name).toList();
  }

  /** The store domain of {@code groupId} in {@code store}, opened on first use. */
  public synchronized BlockStore domainStore(String store, String groupId) throws IOException {
    if (!GROUP.matcher(groupId).matches()) {
      throw new IllegalArgumentException("invalid group id '" + groupId + "'");
    }
    String domain = domain(store, groupId);
    BlockStore s = open.get(domain);
    if (s == null) {
      s = openDomain(config(store), groupId, codec(groupId));
      open.put(domain, s);
    }
    return s;
  }

  private StoreConfig config(String name) {
    return configs.stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no block store named '" + name
            + "' is configured in daemon.blockstores (configured: " + names() + ")"));
  }

  /** The codec of a group: encrypted with its key file when there is one. */
  BlockCodec codec(String groupId) throws IOException {
    if (keysDir == null) {
      return BlockCodec.plain();
    }
    Path f = keysDir.resolve(groupId + ".key");
    if (!Files.exists(f)) {
      return BlockCodec.plain();
    }
    byte[] material;
    try {
      material = Base64.getDecoder().decode(Files.readString(f).strip());
    } catch (IllegalArgumentException e) {
      throw new IOException("the key file " + f + " is not base64: " + e.getMessage());
    }
    if (material.length != BlockKey.KEY_BYTES) {
      throw new IOException("the key file " + f + " holds " + material.length
          + " bytes; a block key is " + BlockKey.KEY_BYTES + " random bytes, base64-encoded");
    }
    return BlockCodec.encrypted(new BlockKey("group:" + groupId, material), random);
  }

  private BlockStore openDomain(StoreConfig c, String groupId, BlockCodec codec)
      throws IOException {
    String loc = c.location();
    switch (loc.substring(0, loc.indexOf(':'))) {
      case "file" -> {
        return FileBlockStore.open(Path.of(loc.substring("file:".length())).resolve(groupId),
            codec);
      }
      case "mongodb", "mongodb+srv" -> {
        String cs = loc;
        MongoClient client = mongoClients.computeIfAbsent(c.name(),
            n -> MongoClients.create(new ConnectionString(cs)));
        String db = new ConnectionString(cs).getDatabase();
        return new MongoBlockStore(client, db == null ? MongoBlockStore.DEFAULT_DATABASE : db,
            MongoBlockStore.COLLECTION + "." + groupId, codec);
      }
      case "s3" -> {
        URI u = URI.create(loc);
        Map<String, String> q = query(u);
        String prefix = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
          prefix += "/";
        }
        return S3BlockStore.open(new S3BlockStore.Config(URI.create(q.get("endpoint")),
            q.get("region"), u.getHost(), prefix + groupId + "/", q.get("accessKey"),
            q.get("secretKey")), codec);
      }
      default -> throw new IllegalStateException("unknown location " + redacted(loc));
    }
  }

  private static Map<String, String> query(URI u) {
    Map<String, String> out = new LinkedHashMap<>();
    String q = u.getRawQuery();
    if (q == null) {
      return out;
    }
    for (String kv : q.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        out.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1),
            StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** A location with credentials removed, for messages and logs. */
  static String redacted(Object location) {
    return String.valueOf(location).replaceAll("(secretKey|accessKey)=[^&]*", "$1=***")
        .replaceAll("//[^/@]*:[^/@]*@", "//***@");
  }

  @Override
  public synchronized void close() throws IOException {
    IOException first = null;
    for (BlockStore s : open.values()) {
      try {
        s.close();
      } catch (IOException | RuntimeException e) {
        if (first == null) {
          first = e instanceof IOException io ? io : new IOException(e);
        }
      }
    }
    open.clear();
    mongoClients.values().forEach(MongoClient::close);
    mongoClients.clear();
    if (first != null) {
      throw first;
    }
  }
}
