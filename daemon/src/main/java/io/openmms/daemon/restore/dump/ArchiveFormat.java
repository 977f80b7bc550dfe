package io.openmms.daemon.restore.dump;

/**
 * The constants of the mongodump archive format (mongo-tools {@code common/archive/spec.md},
 * {@code archive.go}); docs/restore-formats.md describes the layout byte by byte.
 */
final class ArchiveFormat {
  /** The first four bytes, little-endian: 6d e2 99 81. */
  static final int MAGIC = 0x8199e26d;
  /** The only archive format version there is. */
  static final String VERSION = "0.1";
  /** Ends the prelude and every block: 0xffffffff where a document length would be. */
  static final byte[] TERMINATOR = {-1, -1, -1, -1};

  // Header fields (Header in archive.go).
  static final String CONCURRENT_COLLECTIONS = "concurrent_collections";
  static final String FORMAT_VERSION = "version";
  static final String SERVER_VERSION = "server_version";
  static final String TOOL_VERSION = "tool_version";

  // CollectionMetadata and NamespaceHeader fields.
  static final String DB = "db";
  static final String COLLECTION = "collection";
  static final String METADATA = "metadata";
  static final String SIZE = "size";
  static final String TYPE = "type";
  static final String EOF = "EOF";
  static final String CRC = "CRC";

  private ArchiveFormat() {}
}
