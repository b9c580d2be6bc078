using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace ChitBox.SmtpIngress.Transport;

/// <summary>
/// The STARTTLS certificate: from <see cref="SmtpOptions.CertificatePath"/> (PFX/PKCS#12 or PEM),
/// or, in Development with none configured, a self-signed one made at start-up so STARTTLS can
/// be tried. Null elsewhere: STARTTLS is then not offered.
/// </summary>
public sealed partial class SmtpCertificateProvider
{
    private readonly Lazy<SslStreamCertificateContext?> _context;

    public SmtpCertificateProvider(IOptions<SmtpOptions> options, IHostEnvironment environment, ILogger<SmtpCertificateProvider> logger)
    {
        _context = new Lazy<SslStreamCertificateContext?>(() => Load(options.Value, environment, logger));
    }

    /// <summary>Loads the certificate now, so a bad one fails start-up rather than the first STARTTLS.</summary>
    public SslStreamCertificateContext? Context => _context.Value;

    private static SslStreamCertificateContext? Load(SmtpOptions options, IHostEnvironment environment, ILogger logger)
    {
        X509Certificate2 certificate;
        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            certificate = LoadFromFiles(options);
            LogLoaded(logger, certificate.Subject, certificate.NotAfter);
        }
        else if (environment.IsDevelopment())
        {
            certificate = CreateSelfSigned(options.HostName);
            LogSelfSigned(logger, certificate.Subject);
        }
        else
        {
            LogNoCertificate(logger);
            return null;
        }

        return SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
    }

    private static X509Certificate2 LoadFromFiles(SmtpOptions options)
    {
        var path = options.CertificatePath!;
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".pfx" or ".p12")
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
        }

        var keyPath = string.IsNullOrEmpty(options.CertificateKeyPath) ? null : options.CertificateKeyPath;
        using var pem = string.IsNullOrEmpty(options.CertificatePassword)
            ? X509Certificate2.CreateFromPemFile(path, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, options.CertificatePassword, keyPath);

        // A PEM key is ephemeral; SslStream on Windows needs it in a PKCS#12 blob.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 CreateSelfSigned(string hostName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    [LoggerMessage(2100, LogLevel.Information, "STARTTLS certificate {Subject} loaded, valid until {NotAfter}")]
    private static partial void LogLoaded(ILogger logger, string subject, DateTime notAfter);

    [LoggerMessage(2101, LogLevel.Warning, "No Smtp:CertificatePath; using a generated self-signed certificate {Subject} for STARTTLS (Development only)")]
    private static partial void LogSelfSigned(ILogger logger, string subject);

    [LoggerMessage(2102, LogLevel.Information, "No Smtp:CertificatePath; STARTTLS is not offered")]
    private static partial void LogNoCertificate(ILogger logger);
}
