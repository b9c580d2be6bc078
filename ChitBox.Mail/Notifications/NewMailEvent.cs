using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChitBox.Mail.Notifications;

/// <summary>
/// Raised by the ingress once per received message after its copies are committed, and
/// carried to every API instance over Redis: the content once, and where each recipient's
/// copy was filed. The trace context travels with it so the push continues the SMTP
/// session's trace.
/// </summary>
public sealed record NewMailEvent(
    IReadOnlyList<NewMailCopy> Copies,
    NewMailContent Content,
    string? TraceParent,
    string? TraceState)
{
    /// <summary>The Redis pub/sub channel every API instance subscribes to.</summary>
    public const string Channel = "chitbox:new-email";

    // Read only by the API, never embedded in HTML: bodies need not have every non-ASCII
    // or markup character escaped, which at 64 KB was most of the serializing time.
    internal static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, SerializerOptions);

    public static NewMailEvent? Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<NewMailEvent>(json, SerializerOptions);
}
