package io.openmms.daemon.head;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.bson.RawBsonDocument;

/** Documents of one collection in key order; holds storage resources until closed. */
public interface DocumentCursor extends Iterator<RawBsonDocument>, AutoCloseable {
  @Override
  void close();

  /** Drains the cursor into a list and closes it (for tests and small collections). */
  default List<RawBsonDocument> toList() {
    try (this) {
      List<RawBsonDocument> out = new ArrayList<>();
      forEachRemaining(out::add);
      return out;
    }
  }
}
