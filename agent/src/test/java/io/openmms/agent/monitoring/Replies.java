package io.openmms.agent.monitoring;

import java.util.Date;
import java.util.List;
import org.bson.BsonTimestamp;
import org.bson.Document;

/** Command replies shaped like MongoDB's documented output, for unit tests. */
public final class Replies {
  private Replies() {}

  public static Document primaryHello(String setName, String me, List<String> hosts,
      List<String> arbiters) {
    return new Document("isWritablePrimary", true).append("secondary", false)
        .append("setName", setName).append("hosts", hosts).append("arbiters", arbiters)
        .append("primary", me).append("me", me).append("maxWireVersion", 21).append("ok", 1.0);
  }

  public static Document secondaryHello(String setName, String me, String primary,
      List<String> hosts) {
    return new Document("isWritablePrimary", false).append("secondary", true)
        .append("setName", setName).append("hosts", hosts).append("primary", primary)
        .append("me", me).append("ok", 1.0);
  }

  public static Document arbiterHello(String setName, String me, List<String> hosts,
      List<String> arbiters) {
    return new Document("isWritablePrimary", false).append("secondary", false)
        .append("arbiterOnly", true).append("setName", setName).append("hosts", hosts)
        .append("arbiters", arbiters).append("me", me).append("ok", 1.0);
  }

  public static Document standaloneHello() {
    return new Document("isWritablePrimary", true).append("maxWireVersion", 21)
        .append("ok", 1.0);
  }

  public static Document mongosHello(Date localTime) {
    return new Document("isWritablePrimary", true).append("msg", "isdbgrid")
        .append("localTime", localTime).append("ok", 1.0);
  }

  /** serverStatus with a mix of Int32, Int64 and Double values, as real servers send. */
  public static Document serverStatus(long uptime, long inserts) {
    return Document.parse("""
        {"host": "h", "version": "7.0.12", "uptime": %d.0,
         "asserts": {"regular": 0, "warning": 0, "msg": 0, "user": 12, "rollovers": 0},
         "connections": {"current": 17, "available": 838843, "totalCreated": 1024},
         "extra_info": {"note": "fields vary by platform", "page_faults": {"$numberLong": "4"}},
         "globalLock": {"currentQueue": {"total": 3, "readers": 1, "writers": 2}},
         "mem": {"bits": 64, "resident": 131, "virtual": 2750, "supported": true},
         "metrics": {"cursor": {"timedOut": {"$numberLong": "2"},
                                "open": {"noTimeout": 0, "pinned": 0, "total": 5}},
                     "document": {"deleted": {"$numberLong": "1"}, "inserted": {"$numberLong": "%d"},
                                  "returned": {"$numberLong": "300"}, "updated": {"$numberLong": "7"}}},
         "network": {"bytesIn": {"$numberLong": "123456"}, "bytesOut": {"$numberLong": "654321"},
                     "numRequests": {"$numberLong": "999"}},
         "opcounters": {"insert": {"$numberLong": "%d"}, "query": 40, "update": 7, "delete": 1,
                        "getmore": 3, "command": {"$numberLong": "5000000000"}},
         "opcountersRepl": {"insert": 0, "query": 0, "update": 0, "delete": 0, "getmore": 0,
                            "command": 0},
         "queues": {"execution": {"write": {"out": 0, "available": 126, "totalTickets": 128},
                                  "read": {"out": 1, "available": 127, "totalTickets": 128}}},
         "wiredTiger": {"cache": {"bytes currently in the cache": 1.5E7,
                                  "tracked dirty bytes in the cache": 2048,
                                  "bytes read into cache": {"$numberLong": "77777"},
                                  "bytes written from cache": 8.8E4}},
         "ok": 1.0}
        """.formatted(uptime, inserts, inserts));
  }

  /** replSetGetStatus; {@code self} is the answering member, optimes in epoch ms. */
  public static Document replSetGetStatus(String setName, String self, Object[][] members) {
    List<Document> list = new java.util.ArrayList<>();
    int id = 0;
    for (Object[] m : members) {
      Document d = new Document("_id", id++).append("name", m[0]).append("health", 1.0)
          .append("state", "PRIMARY".equals(m[1]) ? 1 : "SECONDARY".equals(m[1]) ? 2 : 7)
          .append("stateStr", m[1]);
      if (m[2] != null) {
        d.append("optimeDate", new Date((Long) m[2]))
            .append("optime", new Document("ts", new BsonTimestamp((int) ((Long) m[2] / 1000), 1))
                .append("t", 3L));
      }
      if (m[0].equals(self)) {
        d.append("self", true);
      }
      list.add(d);
    }
    return new Document("set", setName).append("date", new Date()).append("myState", 1)
        .append("members", list).append("ok", 1.0);
  }

  public static Document oplogEntry(long wallMillis) {
    return new Document("ts", new BsonTimestamp((int) (wallMillis / 1000), 1))
        .append("wall", new Date(wallMillis));
  }
}
