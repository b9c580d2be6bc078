using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChitBox.SmtpIngress;

/// <summary>
/// The ingress's one <see cref="System.Diagnostics.ActivitySource"/> and one <see cref="Meter"/>,
/// both named <see cref="Name"/>. Spans: <c>smtp.session</c> per connection (events for connect,
/// EHLO, MAIL, RCPT, DATA, close, each with its reply code) and a child <c>smtp.message</c> per
/// message, current while delivery runs so storage spans nest under it. Never records bodies.
/// </summary>
public sealed class SmtpTelemetry
{
    public const string Name = "ChitBox.SmtpIngress";
    public const string ActivitySourceName = Name;
    public const string MeterName = Name;

    public const string ConnectionsInstrument = "chitbox.smtp.connections";
    public const string ActiveConnectionsInstrument = "chitbox.smtp.active_connections";
    public const string MessagesAcceptedInstrument = "chitbox.smtp.messages.accepted";
    public const string MessagesRejectedInstrument = "chitbox.smtp.messages.rejected";
    public const string MessageSizeInstrument = "chitbox.smtp.message.size";
    public const string TimeToAcceptInstrument = "chitbox.smtp.time_to_accept";

    /// <summary>Values of the <c>reason</c> tag on <c>chitbox.smtp.messages.rejected</c>.</summary>
    public const string RejectedForSize = "size";
    public const string RejectedForLineLength = "line_length";
    public const string RejectedForStorage = "storage";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    private readonly Counter<long> _connections;
    private readonly UpDownCounter<long> _activeConnections;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Histogram<long> _messageSize;
    private readonly Histogram<double> _timeToAccept;

    public SmtpTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateCounter<long>(ConnectionsInstrument, "{connection}", "SMTP connections opened (tag outcome: accepted or refused)");
        _activeConnections = meter.CreateUpDownCounter<long>(ActiveConnectionsInstrument, "{connection}", "SMTP connections open now");
        _accepted = meter.CreateCounter<long>(MessagesAcceptedInstrument, "{message}", "Messages answered 250 after the data");
        _rejected = meter.CreateCounter<long>(MessagesRejectedInstrument, "{message}", "Messages refused (tag reason)");
        _messageSize = meter.CreateHistogram<long>(MessageSizeInstrument, "By", "Size of accepted messages");
        _timeToAccept = meter.CreateHistogram<double>(TimeToAcceptInstrument, "s", "From the end of the data to the 250 reply (delivery commit time)");
    }

    public void ConnectionOpened() => _activeConnections.Add(1);

    public void ConnectionClosed() => _activeConnections.Add(-1);

    /// <param name="outcome"><c>accepted</c>, or why it was refused (<c>limit_total</c>, <c>limit_client</c>).</param>
    public void ConnectionCounted(string outcome) => _connections.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void MessageAccepted(long size, TimeSpan timeToAccept)
    {
        _accepted.Add(1);
        _messageSize.Record(size);
        _timeToAccept.Record(timeToAccept.TotalSeconds);
    }

    /// <param name="reason">One of the <c>RejectedFor…</c> constants.</param>
    public void MessageRejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
