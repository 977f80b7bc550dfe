package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoSocketOpenException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.AccessDeniedException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class FailuresTest {
    private static S3Exception s3(int status) {
        return (S3Exception) S3Exception.builder().statusCode(status).message("status " + status).build();
    }

    @Test
    void networkTroubleTimeoutsThrottlingAnd5xxAreRetryable() {
        assertThat(Failures.classify(new ConnectException("refused"))).isEqualTo(Failures.Kind.RETRYABLE);
        assertThat(Failures.classify(new SocketTimeoutException())).isEqualTo(Failures.Kind.RETRYABLE);
        assertThat(Failures.classify(new MongoSocketOpenException("down", new ServerAddress()))).isEqualTo(Failures.Kind.RETRYABLE);
        assertThat(Failures.classify(new MongoTimeoutException("no server"))).isEqualTo(Failures.Kind.RETRYABLE);
        assertThat(Failures.classify(s3(503))).isEqualTo(Failures.Kind.RETRYABLE);
        assertThat(Failures.classify(s3(500))).isEqualTo(Failures.Kind.RETRYABLE);
        assertThat(Failures.classify(SdkClientException.create("reset", new IOException("reset")))).isEqualTo(Failures.Kind.RETRYABLE);
    }

    @Test
    void credentialsMissingBucketsDisksAndContentArePermanent() {
        assertThat(Failures.classify(s3(403))).isEqualTo(Failures.Kind.PERMANENT);
        assertThat(Failures.classify(s3(404))).isEqualTo(Failures.Kind.PERMANENT);
        assertThat(Failures.classify(new AccessDeniedException("/var/openmms/blocks"))).isEqualTo(Failures.Kind.PERMANENT);
        BlockId id = Block.of(new byte[0]).id();
        assertThat(Failures.classify(new CorruptBlockException(id, "x"))).isEqualTo(Failures.Kind.PERMANENT);
        assertThat(Failures.classify(new MissingBlockException(id, "here"))).isEqualTo(Failures.Kind.PERMANENT);
    }

    @Test
    void jvmErrorsAreFatal() {
        assertThat(Failures.classify(new OutOfMemoryError())).isEqualTo(Failures.Kind.FATAL);
    }

    @Test
    void wrappingSaysWhatWasDoneAndKeepsTheKind() {
        IOException e = Failures.wrap("putting block x to s3://b/p/", s3(503));
        assertThat(e).isInstanceOfSatisfying(BlockStoreException.class, b -> assertThat(b.retryable()).isTrue())
                .hasMessageContaining("putting block x to s3://b/p/");
    }
}
