using ChitBox.SmtpIngress;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChitBox.SmtpIngress.Delivery;
using Xunit.Abstractions;

namespace ChitBox.Tests.SmtpIngress.Session;

public sealed class SmtpSessionTelemetryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Accepted_and_refused_messages_are_counted_and_measured()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxMessageSize = 2048);
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Reason)>();
        using var listener = Listen(client.MeterFactory, measurements);

        await SendAsync(client, "Subject: ok\r\n\r\nhello\r\n");
        await client.ExpectAsync(250, "2.0.0");
        await SendAsync(client, "Subject: big\r\n\r\n" + new string('x', 3000) + "\r\n");
        await client.ExpectAsync(552);
        client.Delivery.Failure = new DeliveryUnavailableException("down");
        await SendAsync(client, "Subject: later\r\n\r\n");
        await client.ExpectAsync(451);

        Assert.Single(measurements, m => m.Instrument == SmtpTelemetry.MessagesAcceptedInstrument);
        Assert.Contains(measurements, m => m.Instrument == SmtpTelemetry.MessageSizeInstrument && m.Value == "Subject: ok\r\n\r\nhello\r\n".Length);
        Assert.Contains(measurements, m => m.Instrument == SmtpTelemetry.TimeToAcceptInstrument && m.Value >= 0);
        Assert.Equal(
            [SmtpTelemetry.RejectedForSize, SmtpTelemetry.RejectedForStorage],
            measurements.Where(m => m.Instrument == SmtpTelemetry.MessagesRejectedInstrument).Select(m => m.Reason));
    }

    [Fact]
    public async Task Session_span_has_events_with_reply_codes_and_a_child_span_per_message()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SmtpTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        string sessionId;
        await using (var client = await SmtpTestClient.ReadyAsync(output))
        {
            sessionId = client.SessionId;
            await SendAsync(client, "Subject: traced\r\n\r\n");
            await client.ExpectAsync(250, "2.0.0");
            await client.CommandAsync("QUIT", 221);
            await client.Running.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var session = Assert.Single(stopped, a => a.OperationName == "smtp.session" && (string?)a.GetTagItem("smtp.session.id") == sessionId);
        var events = session.Events.Select(e => (e.Name, Code: e.Tags.FirstOrDefault(t => t.Key == "smtp.reply.code").Value)).ToList();
        Assert.Contains(("smtp.connect", (object?)220), events);
        Assert.Contains(("smtp.mail_from", (object?)250), events);
        Assert.Contains(("smtp.rcpt_to", (object?)250), events);
        Assert.Contains(("smtp.data", (object?)354), events);
        var message = Assert.Single(stopped, a => a.OperationName == "smtp.message" && a.ParentSpanId == session.SpanId);
        Assert.Equal("Q0001", message.GetTagItem("smtp.message.id"));
    }

    private static MeterListener Listen(IMeterFactory factory, ConcurrentQueue<(string, double, string?)> measurements)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SmtpTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Reason(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Reason(tags))));
        listener.Start();
        return listener;
    }

    private static string? Reason(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "reason")
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    private static async Task SendAsync(SmtpTestClient client, string message)
    {
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
        await client.CommandAsync("DATA", 354);
        await client.SendAsync(message + ".\r\n");
    }
}
