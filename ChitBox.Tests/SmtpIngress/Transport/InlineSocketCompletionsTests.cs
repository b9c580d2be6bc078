using ChitBox.SmtpIngress;
using ChitBox.SmtpIngress.Transport;
using ChitBox.Tests.SmtpIngress.Integration;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChitBox.Tests.SmtpIngress.Transport;

public sealed class InlineSocketCompletionsTests
{
    private static readonly System.Reflection.Assembly Ingress = typeof(SmtpTelemetry).Assembly;

    [Fact]
    public void The_ingress_run_as_its_own_process_turns_inline_completions_on() =>
        Assert.Equal("1", InlineSocketCompletions.Decide(Ingress, operatorsValue: null));

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public void An_operators_setting_is_kept(string value) =>
        Assert.Null(InlineSocketCompletions.Decide(Ingress, value));

    [Fact]
    public void Hosted_in_another_program_it_changes_nothing() =>
        Assert.Null(InlineSocketCompletions.Decide(typeof(InlineSocketCompletionsTests).Assembly, operatorsValue: null));

    [Fact]
    public async Task Kestrel_answers_smtp_on_the_thread_that_read_the_command()
    {
        await using var ingress = await IngressFactory.StartAsync();

        var sockets = ingress.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;

        Assert.True(sockets.UnsafePreferInlineScheduling);
    }
}
