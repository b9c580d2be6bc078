using ChitBox.Bench.Load;

namespace ChitBox.Tests.Bench;

public sealed class ClientSocketsTests
{
    [Fact]
    public void Services_the_bench_starts_do_not_inherit_its_own_inline_completions()
    {
        // This test process never called PreferInline: as for an operator who set nothing.
        var child = new Dictionary<string, string?> { ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1", ["PATH"] = "/usr/bin" };

        ClientSockets.RestoreOperatorsSetting(child);

        Assert.False(child.ContainsKey("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"));
        Assert.Equal("/usr/bin", child["PATH"]);
    }
}
