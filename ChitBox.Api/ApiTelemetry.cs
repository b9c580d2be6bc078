using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChitBox.Api;

/// <summary>
/// The API's one <see cref="System.Diagnostics.ActivitySource"/> and one <see cref="Meter"/>,
/// both named <see cref="Name"/>, and its instruments. Spans: <c>push new_email</c>, a consumer
/// span continuing the trace the Redis event carries. Never records credentials or bodies.
/// </summary>
public sealed class ApiTelemetry
{
    public const string Name = "ChitBox.Api";
    public const string ActivitySourceName = Name;
    public const string MeterName = Name;

    public const string UsersRegisteredInstrument = "chitbox.api.users.registered";
    public const string LoginsSucceededInstrument = "chitbox.api.logins.succeeded";
    public const string LoginsFailedInstrument = "chitbox.api.logins.failed";
    public const string LoginsThrottledInstrument = "chitbox.api.logins.throttled";
    public const string NotificationsPushedInstrument = "chitbox.api.notifications.pushed";
    public const string AttachmentBytesServedInstrument = "chitbox.api.attachments.served";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    private readonly Counter<long> _loginsSucceeded;
    private readonly Counter<long> _loginsFailed;
    private readonly Counter<long> _loginsThrottled;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _notificationsPushed;
    private readonly Counter<long> _attachmentBytes;

    public ApiTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _registrations = meter.CreateCounter<long>(UsersRegisteredInstrument, "{user}", "Accounts registered.");
        _loginsSucceeded = meter.CreateCounter<long>(LoginsSucceededInstrument, "{login}", "Successful logins.");
        _loginsFailed = meter.CreateCounter<long>(LoginsFailedInstrument, "{login}", "Logins refused for wrong credentials.");
        _loginsThrottled = meter.CreateCounter<long>(LoginsThrottledInstrument, "{login}", "Wrong passwords refused with 429 by the failed-attempt limit.");
        _notificationsPushed = meter.CreateCounter<long>(NotificationsPushedInstrument, "{notification}", "new_email events sent to this instance's connections.");
        _attachmentBytes = meter.CreateCounter<long>(AttachmentBytesServedInstrument, "By", "Decoded attachment bytes sent.");
    }

    public void UserRegistered() => _registrations.Add(1);

    public void LoginSucceeded() => _loginsSucceeded.Add(1);

    public void LoginFailed() => _loginsFailed.Add(1);

    public void LoginThrottled() => _loginsThrottled.Add(1);

    public void NotificationPushed() => _notificationsPushed.Add(1);

    public void AttachmentBytesServed(long bytes) => _attachmentBytes.Add(bytes);
}
