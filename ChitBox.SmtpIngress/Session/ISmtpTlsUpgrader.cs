using System.IO.Pipelines;

namespace ChitBox.SmtpIngress.Session;

/// <summary>
/// The session's hook for STARTTLS: turns the plaintext transport into a TLS one.
/// The transport layer implements it with <see cref="System.Net.Security.SslStream"/>;
/// tests substitute a fake.
/// </summary>
public interface ISmtpTlsUpgrader
{
    /// <summary>A certificate is configured, so STARTTLS may be advertised.</summary>
    bool IsAvailable { get; }

    /// <summary>
    /// Runs the server side of the TLS handshake over <paramref name="plaintext"/> and returns the
    /// decrypted transport. The session has already discarded anything it had buffered.
    /// </summary>
    ValueTask<IDuplexPipe> UpgradeAsync(IDuplexPipe plaintext, CancellationToken cancellationToken);
}
