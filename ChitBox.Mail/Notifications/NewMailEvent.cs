using System.Text.Json;

namespace ChitBox.Mail.Notifications;

/// <summary>
/// Raised by the ingress after a message is committed to a user's folder, and
/// carried to every API instance over Redis. The trace context travels with it
/// so the push continues the SMTP session's trace.
/// </summary>
public sealed record NewMailEvent(
    Guid UserId,
    Guid FolderId,
    NewMailSummary Email,
    string? TraceParent,
    string? TraceState)
{
    /// <summary>The Redis pub/sub channel every API instance subscribes to.</summary>
    public const string Channel = "chitbox:new-email";

    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web);

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, SerializerOptions);

    public static NewMailEvent? Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<NewMailEvent>(json, SerializerOptions);
}
