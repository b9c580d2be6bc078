using System.Net;
using ChitBox.SmtpIngress.Transport;
using Microsoft.Extensions.Options;

namespace ChitBox.Tests.SmtpIngress.Transport;

public sealed class SmtpConnectionLimiterTests
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");

    [Fact]
    public void Client_over_its_limit_gets_421_4_7_0()
    {
        var limiter = Limiter(total: 100, perClient: 2);
        using var first = limiter.TryAcquire(Client, out _);
        using var second = limiter.TryAcquire(Client, out _);

        var third = limiter.TryAcquire(Client, out var refusal);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.StartsWith("421 4.7.0", refusal!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Closing_a_connection_frees_its_slot()
    {
        var limiter = Limiter(total: 100, perClient: 1);
        limiter.TryAcquire(Client, out _)!.Dispose();

        Assert.NotNull(limiter.TryAcquire(Client, out _));
    }

    [Fact]
    public void Ipv4_mapped_ipv6_address_counts_as_the_same_client()
    {
        var limiter = Limiter(total: 100, perClient: 1);
        using var first = limiter.TryAcquire(Client, out _);

        Assert.Null(limiter.TryAcquire(Client.MapToIPv6(), out _));
    }

    [Fact]
    public void Loopback_clients_are_exempt_from_the_per_client_limit()
    {
        var limiter = Limiter(total: 100, perClient: 1);
        var leases = Enumerable.Range(0, 10).Select(i => limiter.TryAcquire(IPAddress.Loopback, out _)).ToList();

        Assert.All(leases, Assert.NotNull);
        Assert.NotNull(limiter.TryAcquire(IPAddress.IPv6Loopback, out _));
    }

    [Fact]
    public void Total_limit_applies_to_everyone()
    {
        var limiter = Limiter(total: 2, perClient: 50);
        using var a = limiter.TryAcquire(IPAddress.Loopback, out _);
        using var b = limiter.TryAcquire(Client, out _);

        Assert.Null(limiter.TryAcquire(IPAddress.Loopback, out var refusal));
        Assert.StartsWith("421 4.7.0", refusal!.ToString(), StringComparison.Ordinal);
    }

    private static SmtpConnectionLimiter Limiter(int total, int perClient) =>
        new(Options.Create(new SmtpOptions { MaxConnections = total, MaxConnectionsPerClient = perClient, HostName = "mx" }));
}
