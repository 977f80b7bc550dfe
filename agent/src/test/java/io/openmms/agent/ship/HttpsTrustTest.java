package io.openmms.agent.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.openmms.common.config.ConfigException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS to the service: certificates are verified, and the configured CA file is trusted. */
class HttpsTrustTest {
  @TempDir
  Path dir;
  private HttpsServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static X509Certificate cert(X500Name subject, KeyPair subjectKeys, X500Name issuer,
      KeyPair issuerKeys, boolean ca, String ipSan) throws Exception {
    Instant now = Instant.now();
    var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), subject,
        subjectKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (ipSan != null) {
      b.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(new GeneralName(GeneralName.iPAddress, ipSan)));
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate())));
  }

  /** Starts an HTTPS ingest stand-in whose certificate (for {@code ipSan}) is signed by a new CA. */
  private Path startServer(String ipSan) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    KeyPair caKeys = gen.generateKeyPair();
    KeyPair serverKeys = gen.generateKeyPair();
    X500Name caName = new X500Name("CN=openmms test CA");
    X509Certificate caCert = cert(caName, caKeys, caName, caKeys, true, null);
    X509Certificate serverCert = cert(new X500Name("CN=ingest"), serverKeys, caName, caKeys,
        false, ipSan);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", serverKeys.getPrivate(), "pw".toCharArray(),
        new X509Certificate[] {serverCert, caCert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "pw".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(ctx));
    server.createContext(MonitoringClient.SAMPLES_PATH, ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    server.start();
    StringWriter pem = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(pem)) {
      w.writeObject(caCert);
    }
    Path caFile = dir.resolve("ca.pem");
    Files.writeString(caFile, pem.toString());
    return caFile;
  }

  private SendResult send(SSLContext trust) throws Exception {
    URI url = URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    try (MonitoringClient client = new MonitoringClient(url, "g", "k", trust,
        Duration.ofSeconds(5))) {
      return client.send(SpoolTest.batch(1, 1, 0));
    }
  }

  @Test
  void aCertificateSignedByTheConfiguredCaIsAccepted() throws Exception {
    Path ca = startServer("127.0.0.1");
    assertThat(send(PemTrust.sslContext(ca, "agent.server.tls.ca.file")).outcome())
        .isEqualTo(SendResult.Outcome.ACKNOWLEDGED);
  }

  @Test
  void anUntrustedCertificateIsRefusedAndTheBatchKept() throws Exception {
    startServer("127.0.0.1");
    SendResult r = send(null);
    assertThat(r.outcome()).isEqualTo(SendResult.Outcome.UNAVAILABLE);
    assertThat(r.detail()).contains("agent.server.tls.ca.file");
  }

  @Test
  void aTrustedCertificateForAnotherHostIsRefused() throws Exception {
    Path ca = startServer("10.9.8.7");
    SendResult r = send(PemTrust.sslContext(ca, "agent.server.tls.ca.file"));
    assertThat(r.outcome()).isEqualTo(SendResult.Outcome.UNAVAILABLE);
  }

  @Test
  void aCaFileWithoutCertificatesFailsNamingTheSetting() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
    assertThatThrownBy(() -> PemTrust.sslContext(empty, "agent.server.tls.ca.file"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("agent.server.tls.ca.file");
  }
}
