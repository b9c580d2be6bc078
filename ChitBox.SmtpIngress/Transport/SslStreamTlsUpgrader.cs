using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ChitBox.SmtpIngress.Session;

namespace ChitBox.SmtpIngress.Transport;

/// <summary>STARTTLS for one connection: an <see cref="SslStream"/> over the connection's pipes.</summary>
internal sealed class SslStreamTlsUpgrader(SslStreamCertificateContext? certificate) : ISmtpTlsUpgrader, IAsyncDisposable
{
    private SslStream? _ssl;
    private IDuplexPipe? _secured;

    public bool IsAvailable => certificate is not null;

    public SslProtocols? Protocol => _ssl?.SslProtocol;

    public async ValueTask<IDuplexPipe> UpgradeAsync(IDuplexPipe plaintext, CancellationToken cancellationToken)
    {
        if (certificate is null)
        {
            throw new InvalidOperationException("No STARTTLS certificate is configured.");
        }

        _ssl = new SslStream(new DuplexPipeStream(plaintext), leaveInnerStreamOpen: false);
        await _ssl.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                EnabledSslProtocols = SslProtocols.None, // the operating system's choice (TLS 1.2+)
            },
            cancellationToken);

        _secured = new SecuredPipe(
            PipeReader.Create(_ssl, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(_ssl, new StreamPipeWriterOptions(leaveOpen: true)));
        return _secured;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ssl is null)
        {
            return;
        }

        try
        {
            await _ssl.ShutdownAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or AuthenticationException)
        {
            // The peer is already gone; close_notify is best effort.
        }

        await _ssl.DisposeAsync();
    }

    private sealed record SecuredPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
