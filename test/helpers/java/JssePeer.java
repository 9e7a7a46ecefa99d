// A TLS peer on Java's own stack (JSSE), for kyman's interoperability tests.
//
//   java JssePeer server PORT PROTOCOL KEYSTORE.p12 PASS TRUSTSTORE.p12|- none|want|need
//   java JssePeer client HOST PORT PROTOCOL KEYSTORE.p12|- PASS TRUSTSTORE.p12
//
// The server prints "LISTENING <port>" once it listens, handles one connection and answers the
// first line it reads with "jsse: <line>"; the client sends "ping" and prints the answer. Both
// print "SESSION <protocol> <suite> peer=<subject or none>" after the handshake, and on a failure
// "FAILED <message>" and exit 1. PROTOCOL is TLSv1.3 or TLSv1.2. Listens on 127.0.0.1 only.
import java.io.*;
import java.net.*;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.*;

public class JssePeer {
  static KeyStore load(String file, char[] pass) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(file)) { ks.load(in, pass); }
    return ks;
  }

  static SSLContext context(String keystore, String pass, String truststore) throws Exception {
    KeyManager[] km = null;
    if (!keystore.equals("-")) {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(load(keystore, pass.toCharArray()), pass.toCharArray());
      km = kmf.getKeyManagers();
    }
    TrustManager[] tm = null;
    if (!truststore.equals("-")) {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(load(truststore, pass.toCharArray()));
      tm = tmf.getTrustManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(km, tm, null);
    return ctx;
  }

  static void report(SSLSocket s) {
    SSLSession session = s.getSession();
    String peer = "none";
    try {
      Certificate[] chain = session.getPeerCertificates();
      peer = ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
    } catch (SSLPeerUnverifiedException e) {
      // no certificate from the peer
    }
    System.out.println("SESSION " + session.getProtocol() + " " + session.getCipherSuite() + " peer=" + peer);
    System.out.flush();
  }

  public static void main(String[] a) {
    try {
      if (a[0].equals("server")) server(a); else client(a);
    } catch (Exception e) {
      System.out.println("FAILED " + e);
      System.out.flush();
      System.exit(1);
    }
  }

  static void server(String[] a) throws Exception {
    SSLContext ctx = context(a[3], a[4], a[5]);
    SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(Integer.parseInt(a[1]), 1, InetAddress.getByName("127.0.0.1"));
    ss.setEnabledProtocols(new String[] { a[2] });
    if (a[6].equals("need")) ss.setNeedClientAuth(true);
    else if (a[6].equals("want")) ss.setWantClientAuth(true);
    System.out.println("LISTENING " + ss.getLocalPort());
    System.out.flush();
    try (SSLSocket s = (SSLSocket) ss.accept()) {
      s.startHandshake();
      report(s);
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), "UTF-8"));
      String line = in.readLine();
      OutputStream out = s.getOutputStream();
      out.write(("jsse: " + line + "\n").getBytes("UTF-8"));
      out.flush();
    }
    ss.close();
  }

  static void client(String[] a) throws Exception {
    SSLContext ctx = context(a[4], a[5], a[6]);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(a[1], Integer.parseInt(a[2]))) {
      s.setEnabledProtocols(new String[] { a[3] });
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      s.setSSLParameters(p);
      s.startHandshake();
      report(s);
      OutputStream out = s.getOutputStream();
      out.write("ping\n".getBytes("UTF-8"));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), "UTF-8"));
      System.out.println("REPLY " + in.readLine());
      System.out.flush();
    }
  }
}
