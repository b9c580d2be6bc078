using System.Text.Json;
using ChitBox.Mail.Notifications;

namespace ChitBox.Tests.SmtpIngress;

/// <summary>The runtime settings the ingress's own process starts with, from its runtimeconfig.json.</summary>
public sealed class RuntimeConfigTests
{
    private static readonly JsonElement Properties = JsonDocument
        .Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ChitBox.SmtpIngress.runtimeconfig.json")))
        .RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

    [Fact]
    public void A_body_that_travels_in_the_event_is_not_a_large_object()
    {
        // A .NET string takes two bytes a character, plus its header.
        const int largestInlineBody = 2 * NewMailContent.MaxInlineBodyChars + 64;

        Assert.True(Properties.TryGetProperty("System.GC.LOHThreshold", out var threshold), "no LOHThreshold");
        Assert.True(threshold.GetInt32() > largestInlineBody, $"LOHThreshold {threshold} is not above {largestInlineBody}");
    }

    [Fact]
    public void Idle_thread_pool_workers_do_not_spin()
    {
        Assert.Equal(0, Properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
