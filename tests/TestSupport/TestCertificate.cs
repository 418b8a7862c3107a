using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Digest.TestSupport;

/// <summary>
/// A self-signed certificate for 127.0.0.1 and localhost, made at test time (no key is ever
/// committed). The server side holds the key; clients get only the public certificate as a PEM file.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    TestCertificate(X509Certificate2 serverCertificate, string publicPemPath, string privateKeyPem)
    {
        ServerCertificate = serverCertificate;
        PublicPemPath = publicPemPath;
        PrivateKeyPem = privateKeyPem;
    }

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The certificate without its key, for RelayOptions.TrustedCertificatePath.</summary>
    public string PublicPemPath { get; }

    /// <summary>The key, in memory only, for a server in another process (aiosmtpd) to load from its own temporary file.</summary>
    public string PrivateKeyPem { get; }

    public static TestCertificate Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // SslStream on Linux wants a certificate whose key came from a PKCS#12 import.
        var server = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        var path = Path.Combine(Path.GetTempPath(), $"digest-test-cert-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, created.ExportCertificatePem());
        return new TestCertificate(server, path, key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        ServerCertificate.Dispose();
        File.Delete(PublicPemPath);
    }
}
