using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChitBox.Api;

/// <summary>The API's one ActivitySource and Meter, and its instruments.</summary>
public sealed class ApiTelemetry
{
    public const string Name = "ChitBox.Api";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _loginsSucceeded;
    private readonly Counter<long> _loginsFailed;
    private readonly Counter<long> _loginsThrottled;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _notificationsPushed;
    private readonly Counter<long> _attachmentBytes;

    public ApiTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _registrations = meter.CreateCounter<long>("chitbox.api.users.registered", "{user}", "Accounts registered.");
        _loginsSucceeded = meter.CreateCounter<long>("chitbox.api.logins.succeeded", "{login}", "Successful logins.");
        _loginsFailed = meter.CreateCounter<long>("chitbox.api.logins.failed", "{login}", "Logins refused for wrong credentials.");
        _loginsThrottled = meter.CreateCounter<long>("chitbox.api.logins.throttled", "{login}", "Logins refused by the failed-attempt limit.");
        _notificationsPushed = meter.CreateCounter<long>("chitbox.api.notifications.pushed", "{notification}", "new_email events sent to this instance's connections.");
        _attachmentBytes = meter.CreateCounter<long>("chitbox.api.attachments.served", "By", "Decoded attachment bytes sent.");
    }

    public void UserRegistered() => _registrations.Add(1);

    public void LoginSucceeded() => _loginsSucceeded.Add(1);

    public void LoginFailed() => _loginsFailed.Add(1);

    public void LoginThrottled() => _loginsThrottled.Add(1);

    public void NotificationPushed() => _notificationsPushed.Add(1);

    public void AttachmentBytesServed(long bytes) => _attachmentBytes.Add(bytes);
}
