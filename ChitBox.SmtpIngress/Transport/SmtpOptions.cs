using System.ComponentModel.DataAnnotations;
using System.Net;

namespace ChitBox.SmtpIngress.Transport;

/// <summary>
/// Configuration section <c>Smtp</c>. The environment variables <c>SMTP_SERVER_PORT</c>,
/// <c>SMTP_SERVER_HOST</c> and <c>SMTP_SERVER_BANNER</c> override <see cref="Port"/>,
/// <see cref="Host"/> and <see cref="Banner"/> (see <see cref="SmtpIngressExtensions"/>).
/// </summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string SectionName = "Smtp";

    /// <summary>TCP port for SMTP.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 2525;

    /// <summary>Bind address: <c>localhost</c> (127.0.0.1 and ::1), <c>0.0.0.0</c> or <c>*</c> (all), or an IP address.</summary>
    [Required]
    public string Host { get; set; } = "localhost";

    /// <summary>Text after <c>ESMTP</c> in the greeting.</summary>
    [Required]
    [StringLength(200)]
    public string Banner { get; set; } = "ChitBox SMTP Server";

    /// <summary>The name this server gives itself in the greeting, EHLO and trace headers.</summary>
    [Required]
    [StringLength(255)]
    public string HostName { get; set; } = Environment.MachineName;

    /// <summary>Largest message accepted, in octets after dot-unstuffing; advertised in SIZE.</summary>
    [Range(1024L, long.MaxValue)]
    public long MaxMessageSize { get; set; } = 52_428_800;

    /// <summary>Accepted recipients per message; more get 452 4.5.3.</summary>
    [Range(1, 100_000)]
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Octets in a command line, CRLF included (RFC 5321 4.5.3.1.4); longer gets 500 5.5.2.</summary>
    [Range(512, 65_536)]
    public int MaxCommandLineLength { get; set; } = 512;

    /// <summary>
    /// Octets in one line of message text, line ending included; a message with a longer line gets
    /// 554 5.6.0 after its end. 0, the default, checks nothing: RFC 5321 says 1000, but real mail
    /// (one-line HTML, unwrapped base64) breaks that, and the contract says no message is refused
    /// for its content. No line is ever buffered whatever this says: memory stays bounded, and a
    /// header field too long for the parser leaves the message filed unreadable, raw kept.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxTextLineLength { get; set; }

    /// <summary>Silence allowed while waiting for the client; then 421 4.4.2.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time allowed for one message's whole DATA or BDAT sequence; then 421 4.4.2.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "12:00:00")]
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>When the host stops, how long a transaction in flight may take to finish.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Concurrent SMTP connections in total; more get 421 4.7.0.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Concurrent connections from one client address (loopback exempt); more get 421 4.7.0.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerClient { get; set; } = 50;

    /// <summary>
    /// Errors without progress (a MAIL, an accepted RCPT or a stored message starts the count
    /// again) before 421 4.7.0 and disconnect; 20 as Postfix's hard error limit.
    /// </summary>
    [Range(1, 1000)]
    public int MaxErrors { get; set; } = 20;

    /// <summary>Octets of one message kept in memory before spooling to a temporary file.</summary>
    [Range(0, 64 * 1024 * 1024)]
    public int SpoolMemoryThreshold { get; set; } = 256 * 1024;

    /// <summary>Directory for spool files; the system temporary directory when empty.</summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>
    /// Certificate for STARTTLS: a PFX/PKCS#12 file, or a PEM certificate (with
    /// <see cref="CertificateKeyPath"/> unless the key is in the same file). Without one,
    /// STARTTLS is not offered, except in Development, where a self-signed one is made.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key for a PEM <see cref="CertificatePath"/>.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Password of the PFX file, or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsValidHost(Host))
        {
            yield return new ValidationResult(
                $"Smtp:Host '{Host}' must be 'localhost', '0.0.0.0', '*' or an IP address.", [nameof(Host)]);
        }

        if (HostName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            yield return new ValidationResult("Smtp:HostName cannot contain spaces or control characters.", [nameof(HostName)]);
        }

        if (Banner.Any(char.IsControl))
        {
            yield return new ValidationResult("Smtp:Banner cannot contain control characters.", [nameof(Banner)]);
        }

        if (!string.IsNullOrEmpty(CertificatePath) && !File.Exists(CertificatePath))
        {
            yield return new ValidationResult($"Smtp:CertificatePath '{CertificatePath}' does not exist.", [nameof(CertificatePath)]);
        }

        if (!string.IsNullOrEmpty(CertificateKeyPath) && !File.Exists(CertificateKeyPath))
        {
            yield return new ValidationResult($"Smtp:CertificateKeyPath '{CertificateKeyPath}' does not exist.", [nameof(CertificateKeyPath)]);
        }

        if (!string.IsNullOrEmpty(SpoolDirectory) && !Directory.Exists(SpoolDirectory))
        {
            yield return new ValidationResult($"Smtp:SpoolDirectory '{SpoolDirectory}' does not exist.", [nameof(SpoolDirectory)]);
        }
    }

    internal static bool IsValidHost(string? host) =>
        host is "localhost" or "*" || IPAddress.TryParse(host, out _);
}
