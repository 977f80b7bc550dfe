package io.openmms.testkit;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import de.bwaldvogel.mongo.bson.Document;

/**
 * Replies every stand-in process builds the same way, in the shapes of MongoDB 7.0. Each builder
 * cites the manual page its shape comes from. Machine facts (cores, memory, OS) are the real ones
 * of the JVM's host.
 */
final class Replies {

    static final String VERSION = "7.0.14";
    static final List<Integer> VERSION_ARRAY = List.of(7, 0, 14, 0);
    /** MongoDB 7.0 speaks wire version 21. */
    static final int MAX_WIRE_VERSION = 21;
    static final int MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
    static final int MAX_MESSAGE_SIZE_BYTES = 48_000_000;
    static final int MAX_WRITE_BATCH_SIZE = 100_000;

    private Replies() {
    }

    // https://www.mongodb.com/docs/manual/reference/command/hello/
    static Document hello(Node node, Node.Process process, Role role, String command, Document request, long connectionId) {
        Document described = new Document("topologyVersion", process.topologyVersion());
        role.describe(described);
        Document reply = new Document();
        boolean legacy = !command.equals("hello");
        described.forEach((key, value) -> reply.put(legacy && key.equals("isWritablePrimary") ? "ismaster" : key, value));
        reply.append("maxBsonObjectSize", MAX_BSON_OBJECT_SIZE)
            .append("maxMessageSizeBytes", MAX_MESSAGE_SIZE_BYTES)
            .append("maxWriteBatchSize", MAX_WRITE_BATCH_SIZE)
            .append("localTime", node.clock().instant())
            .append("logicalSessionTimeoutMinutes", 30)
            .append("connectionId", (int) connectionId)
            .append("minWireVersion", 0)
            .append("maxWireVersion", MAX_WIRE_VERSION)
            .append("readOnly", false);
        if (Boolean.TRUE.equals(request.get("helloOk"))) {
            reply.append("helloOk", true);
        }
        return reply.append("ok", 1.0);
    }

    // https://www.mongodb.com/docs/manual/reference/command/buildInfo/
    static Document buildInfo() {
        return new Document("version", VERSION)
            .append("gitVersion", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c")
            .append("modules", List.of())
            .append("allocator", "tcmalloc")
            .append("javascriptEngine", "mozjs")
            .append("sysInfo", "deprecated")
            .append("versionArray", VERSION_ARRAY)
            .append("openssl", new Document("running", "OpenSSL 3.0.2 15 Mar 2022").append("compiled", "OpenSSL 3.0.2 15 Mar 2022"))
            .append("buildEnvironment", new Document("distmod", "ubuntu2204").append("distarch", cpuArch())
                .append("target_arch", cpuArch()).append("target_os", "linux"))
            .append("bits", 64)
            .append("debug", false)
            .append("maxBsonObjectSize", MAX_BSON_OBJECT_SIZE)
            .append("storageEngines", List.of("devnull", "inMemory", "wiredTiger"))
            .append("ok", 1.0);
    }

    // https://www.mongodb.com/docs/manual/reference/command/hostInfo/
    static Document hostInfo(Node node, Clock clock) {
        int cores = Runtime.getRuntime().availableProcessors();
        String osName = System.getProperty("os.name");
        String osVersion = System.getProperty("os.version");
        return new Document("system", new Document("currentTime", clock.instant())
                .append("hostname", node.host())
                .append("cpuAddrSize", 64)
                .append("memSizeMB", memSizeMB())
                .append("memLimitMB", memSizeMB())
                .append("numCores", cores)
                .append("numCoresAvailable", (double) cores)
                .append("numPhysicalCores", cores)
                .append("numCpuSockets", 1)
                .append("cpuArch", cpuArch())
                .append("numaEnabled", false)
                .append("numNumaNodes", 1))
            .append("os", new Document("type", osName).append("name", osName).append("version", osVersion))
            .append("extra", new Document("versionString", osName + " version " + osVersion)
                .append("kernelVersion", osVersion)
                .append("pageSize", 4096L)
                .append("numPages", memSizeMB() * 256)
                .append("maxOpenFiles", 64000))
            .append("ok", 1.0);
    }

    // https://www.mongodb.com/docs/manual/reference/command/getCmdLineOpts/
    static Document cmdLineOpts(Role role) {
        return new Document("argv", role.argv()).append("parsed", role.parsedOptions()).append("ok", 1.0);
    }

    // https://www.mongodb.com/docs/manual/reference/command/dbStats/
    static Document dbStats(DataBackend data, String database, Document query) {
        Document base = data.databaseStats(database);
        double scale = query.get("scale") instanceof Number n && n.doubleValue() >= 1 ? n.doubleValue() : 1;
        long collections = number(base, "collections");
        long objects = number(base, "objects");
        long dataSize = number(base, "dataSize");
        long indexes = number(base, "indexes");
        // WiredTiger files are at least 4 KiB; data compresses to about half with snappy.
        long storageSize = collections * 4096 + dataSize / 2;
        long indexSize = Math.max(number(base, "indexSize"), indexes * 4096);
        File fs = new File(System.getProperty("java.io.tmpdir"));
        return new Document("db", database)
            .append("collections", collections)
            .append("views", 0L)
            .append("objects", objects)
            .append("avgObjSize", objects == 0 ? 0.0 : (double) dataSize / objects)
            .append("dataSize", dataSize / scale)
            .append("storageSize", storageSize / scale)
            .append("indexes", indexes)
            .append("indexSize", indexSize / scale)
            .append("totalSize", (storageSize + indexSize) / scale)
            .append("scaleFactor", (long) scale)
            .append("fsUsedSize", (fs.getTotalSpace() - fs.getUsableSpace()) / scale)
            .append("fsTotalSize", fs.getTotalSpace() / scale)
            .append("ok", 1.0);
    }

    static long memSizeMB() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize() / (1024 * 1024);
        }
        return 8192;
    }

    static String cpuArch() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return Map.of("amd64", "x86_64", "x86_64", "x86_64", "aarch64", "aarch64").getOrDefault(arch, arch);
    }

    private static long number(Document document, String key) {
        return document.get(key) instanceof Number n ? n.longValue() : 0;
    }
}
