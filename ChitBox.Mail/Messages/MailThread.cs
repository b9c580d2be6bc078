namespace ChitBox.Mail.Messages;

/// <summary>A conversation in one user's mailbox.</summary>
public sealed class MailThread
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public string? Subject { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastMessageAt { get; set; }
}
