using System.IO.Pipelines;
using System.Text;
using ChitBox.SmtpIngress.Session;
using Xunit.Abstractions;

namespace ChitBox.Tests.SmtpIngress.Session;

/// <summary>
/// A session handles a bounded turn of input, then flushes and lets its thread's other work run:
/// in the ingress that thread is a socket event thread shared by many connections.
/// </summary>
public sealed class SmtpSessionTurnTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Commands_pipelined_without_pause_are_answered_a_turn_at_a_time()
    {
        var turns = new HandPumpedContext();
        await using var client = SmtpTestClient.StartPumped(output, turns, PipeOptions.Default);
        await client.ExpectAsync(220);

        const int Commands = 1000;
        _ = client.Write(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", Commands))));
        turns.RunNext();
        var answered = client.TakeReplies().Count;
        Assert.InRange(answered, 1, SmtpSession.TurnBudget / SmtpSession.CommandCost);

        while (answered < Commands)
        {
            turns.RunNext();
            answered += client.TakeReplies().Count;
        }
    }

    [Fact]
    public async Task Message_data_streamed_without_pause_is_read_a_turn_at_a_time()
    {
        var turns = new HandPumpedContext();
        // The client's writes wait from 200 KB unread until 32 KB are left.
        await using var client = SmtpTestClient.StartPumped(
            output, turns, new PipeOptions(pauseWriterThreshold: 200 * 1024, resumeWriterThreshold: 32 * 1024));
        await client.ExpectAsync(220);
        _ = client.Write("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<bob@chitbox.local>\r\nDATA\r\n"u8.ToArray());
        turns.RunNext();
        Assert.Equal(["250", "250", "250", "354"], client.TakeReplies().Select(reply => reply[..3]));

        var message = Encoding.ASCII.GetBytes("Subject: long\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 78) + "\r\n", 3000)));
        var sending = client.Write(message);
        Assert.False(sending.IsCompleted);

        turns.RunNext();
        Assert.False(sending.IsCompleted);

        turns.RunUntil(() => sending.IsCompleted);
        _ = client.Write(".\r\n"u8.ToArray());
        List<string> replies;
        while ((replies = client.TakeReplies()).Count == 0)
        {
            turns.RunNext();
        }

        Assert.StartsWith("250 ", replies.Single());
        Assert.Equal(message, client.Delivery.Delivered.Single().Content);
    }
}
