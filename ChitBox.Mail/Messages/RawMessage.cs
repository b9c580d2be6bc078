namespace ChitBox.Mail.Messages;

/// <summary>
/// The exact bytes received for one SMTP transaction (after dot-unstuffing).
/// Every recipient's copy points at the same row, so a message to fifty users
/// is stored once; each copy keeps its own trace headers.
/// </summary>
public sealed class RawMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public byte[] Content { get; set; } = [];

    public long Size { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}
