using System.Text;
using MailKit;
using Xunit.Abstractions;

namespace ChitBox.Tests.SmtpIngress.Integration;

/// <summary>MailKit's protocol log, written to the test output when the test ends.</summary>
public sealed class TranscriptLogger(ITestOutputHelper output) : IDisposable
{
    private readonly MemoryStream _log = new();

    public IProtocolLogger Create() => new ProtocolLogger(_log, leaveOpen: true);

    public void Dispose()
    {
        output.WriteLine(Encoding.UTF8.GetString(_log.ToArray()));
        _log.Dispose();
    }
}
