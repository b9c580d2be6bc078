using System.Net;

namespace ChitBox.Bench.Load;

/// <summary>Where the load goes: an SMTP endpoint and the recipients it accepts, used round-robin.</summary>
public sealed record LoadTarget(string Name, EndPoint Server, IReadOnlyList<string> Recipients)
{
    public string Sender { get; init; } = "sender@bench.example";

    public string HeloName { get; init; } = "bench.example";
}
