package io.openmms.blockstore;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.file.FileSystemException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The one place that decides whether a backend failure is worth retrying (SPEC STYLE "Errors").
 * Network trouble, timeouts, throttling and 5xx are retryable; bad credentials, missing buckets,
 * local file-system errors and anything about a block's content are permanent; JVM errors are
 * fatal. {@code FailuresTest} pins each case.
 */
public final class Failures {
    public enum Kind { RETRYABLE, PERMANENT, FATAL }

    /** MongoDB error codes that are about credentials or rights, never healed by a retry. */
    private static final Set<Integer> MONGO_AUTH_CODES = Set.of(11, 13, 18);

    private Failures() {
    }

    public static Kind classify(Throwable t) {
        if (t instanceof Error) {
            return Kind.FATAL;
        }
        if (t instanceof BlockException) {
            return Kind.PERMANENT;
        }
        if (t instanceof BlockStoreException e) {
            return e.kind();
        }
        if (t instanceof MongoException m) {
            return classifyMongo(m);
        }
        if (t instanceof AwsServiceException s) {
            int status = s.statusCode();
            return status >= 500 || status == 429 || s.isThrottlingException() ? Kind.RETRYABLE : Kind.PERMANENT;
        }
        if (t instanceof SdkClientException c) {
            return c.getCause() instanceof IOException || c.retryable() ? Kind.RETRYABLE : Kind.PERMANENT;
        }
        if (t instanceof FileSystemException) {
            return Kind.PERMANENT;
        }
        if (t instanceof InterruptedIOException || t instanceof ConnectException || t instanceof SocketException) {
            return Kind.RETRYABLE;
        }
        if (t instanceof IOException) {
            return Kind.PERMANENT;
        }
        return Kind.PERMANENT;
    }

    private static Kind classifyMongo(MongoException m) {
        if (m instanceof MongoSecurityException) {
            return Kind.PERMANENT;
        }
        if (m instanceof MongoSocketException || m instanceof MongoTimeoutException
                || m instanceof MongoNotPrimaryException || m instanceof MongoNodeIsRecoveringException
                || m.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL)
                || m.hasErrorLabel("RetryableWriteError")) {
            return Kind.RETRYABLE;
        }
        if (m instanceof MongoCommandException c && MONGO_AUTH_CODES.contains(c.getErrorCode())) {
            return Kind.PERMANENT;
        }
        return Kind.PERMANENT;
    }

    /** Wraps {@code t} as a {@link BlockStoreException} saying what was being done where. */
    public static IOException wrap(String what, Throwable t) {
        if (t instanceof BlockException b) {
            return b;
        }
        if (t instanceof BlockStoreException b) {
            return b;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new BlockStoreException(what + ": " + t.getMessage(), classify(t), t);
    }
}
