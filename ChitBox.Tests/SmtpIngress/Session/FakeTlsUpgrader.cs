using System.IO.Pipelines;
using ChitBox.SmtpIngress.Session;

namespace ChitBox.Tests.SmtpIngress.Session;

/// <summary>"TLS" that swaps to a fresh pair of pipes, so tests see exactly what crosses the upgrade.</summary>
internal sealed class FakeTlsUpgrader : ISmtpTlsUpgrader
{
    public Pipe ToServer { get; } = new();

    public Pipe ToClient { get; } = new();

    public bool IsAvailable => true;

    public int Upgrades { get; private set; }

    public bool Fail { get; set; }

    public ValueTask<IDuplexPipe> UpgradeAsync(IDuplexPipe plaintext, CancellationToken cancellationToken)
    {
        Upgrades++;
        if (Fail)
        {
            throw new IOException("handshake failed");
        }

        return ValueTask.FromResult<IDuplexPipe>(new DuplexPipe(ToServer.Reader, ToClient.Writer));
    }
}
