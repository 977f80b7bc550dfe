package io.openmms.daemon.restore.dump;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The names mongodump gives a collection's files, {@code <db>/<name>.bson} and
 * {@code <db>/<name>.metadata.json} (mongo-tools {@code mongodump/prepare.go},
 * {@code outputPath}):
 *
 * <ul>
 *   <li>The database directory is the database name as it is (MongoDB forbids {@code /\. "$}
 *       in database names, so it is always a safe file name).
 *   <li>{@code <name>} is the collection name escaped by {@code util.EscapeCollectionName}, which
 *       is Go's {@code url.PathEscape}: every UTF-8 byte is kept if it is an ASCII letter or
 *       digit or one of {@code -_.~$&+:=@}, and written as {@code %XX} (upper-case hex)
 *       otherwise — so {@code /}, {@code %}, space, {@code ;}, {@code ,}, {@code ?} and all
 *       non-ASCII bytes are escaped, while a dot stays ({@code a.b.bson}).
 *   <li>If the escaped name is longer than 238 bytes (so that {@code .metadata.json.gz} still
 *       fits in 255), it becomes its first 208 bytes, {@code %24} and the unpadded URL-safe
 *       base64 of the SHA-1 of the raw collection name: 238 bytes. The full name is then only in
 *       the metadata file's {@code collectionName}.
 * </ul>
 */
final class FileNames {
  static final String BSON = ".bson";
  static final String METADATA = ".metadata.json";
  private static final int LONGEST = 238;
  private static final int TRUNCATED = 208;
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private FileNames() {}

  /** The file name of {@code collection} without extension, as mongodump writes it. */
  static String collectionFile(String collection) {
    byte[] raw = collection.getBytes(StandardCharsets.UTF_8);
    StringBuilder escaped = new StringBuilder(raw.length);
    for (byte b : raw) {
      int c = b & 0xff;
      if (kept(c)) {
        escaped.append((char) c);
      } else {
        escaped.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
      }
    }
    if (escaped.length() <= LONGEST) {
      return escaped.toString();
    }
    return escaped.substring(0, TRUNCATED) + "%24"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(sha1(raw));
  }

  /**
   * The collection name a file name stands for (Go's {@code url.PathUnescape}); wrong for a
   * truncated name, where the metadata's {@code collectionName} is authoritative.
   */
  static String unescape(String file, String where) throws DumpFormatException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(file.length());
    for (int i = 0; i < file.length(); ) {
      int c = file.codePointAt(i);
      if (c == '%') {
        int hi = i + 2 < file.length() ? Character.digit(file.charAt(i + 1), 16) : -1;
        int lo = hi < 0 ? -1 : Character.digit(file.charAt(i + 2), 16);
        if (lo < 0) {
          throw new DumpFormatException(where + ": bad %-escape at character " + i
              + " of the file name " + file);
        }
        out.write(hi << 4 | lo);
        i += 3;
      } else {
        out.writeBytes(Character.toString(c).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(c);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new DumpFormatException(where + ": the file name " + file
          + " does not unescape to UTF-8");
    }
  }

  /** Rejects a database name MongoDB would reject, since it becomes a directory name. */
  static void checkDatabase(String db) {
    if (db.isEmpty() || db.chars().anyMatch(c -> "/\\. \"$\0".indexOf(c) >= 0)) {
      throw new IllegalArgumentException("invalid database name \"" + db
          + "\": MongoDB database names are not empty and contain none of /\\. \"$ or NUL");
    }
  }

  /** Rejects an empty collection name or one with a NUL, which MongoDB forbids. */
  static void checkCollection(String collection) {
    if (collection.isEmpty() || collection.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("invalid collection name \"" + collection
          + "\": MongoDB collection names are not empty and contain no NUL");
    }
  }

  private static boolean kept(int c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
        || "-_.~$&+:=@".indexOf(c) >= 0;
  }

  private static byte[] sha1(byte[] raw) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(raw);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-1", e);
    }
  }
}
